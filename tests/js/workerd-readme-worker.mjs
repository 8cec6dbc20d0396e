// The README's Cloudflare Workers example, verbatim apart from the comment: bundled as a
// Worker of its own (wrangler multi-config dev, reached through a service binding from
// workerd-worker.mjs), so only these two named imports decide what the bundler keeps of
// the package. They must keep the workerd loader and its module-level initSync.
import { parseCallback, callbackAck } from 'chat-recall';
export default {
  async fetch(request, env) {
    const event = parseCallback({ url: request.url, body: await request.text(),
      sdkAppId: Number(env.SDK_APP_ID), token: env.CALLBACK_TOKEN });
    // the test reads the parsed event back from this header
    return new Response(callbackAck(), { headers: { 'content-type': 'application/json', 'x-event': JSON.stringify(event) } });
  },
};
