// The README's Cloudflare Workers example, verbatim apart from the comments: bundled as a
// Worker of its own (wrangler multi-config dev, reached through a service binding from
// workerd-worker.mjs), so only these named imports decide what the bundler keeps of the
// package. They must keep the workerd loader and its module-level initSync.
import { verifyCallbackRequest, callbackAck, RecallError } from 'chat-recall';
export default {
  async fetch(request, env) {
    let event;
    try {
      // Refuses when CALLBACK_TOKEN is unset (apps without a token pass allowUnsigned: true).
      event = await verifyCallbackRequest(request, { sdkAppId: Number(env.SDK_APP_ID), token: env.CALLBACK_TOKEN });
    } catch (e) {
      if (!(e instanceof RecallError)) throw e;
      return Response.json({ error: e.kind, info: e.info }, { status: e.kind === 'auth' ? 401 : 400 });
    }
    // the test reads the parsed event back from this header
    return new Response(callbackAck(), { headers: { 'content-type': 'application/json', 'x-event': JSON.stringify(event) } });
  },
};
