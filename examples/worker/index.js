// A Cloudflare Worker that receives Tencent Cloud Chat's recall webhooks
// (Group.CallbackAfterRecallMsg and C2C.CallbackAfterMsgWithDraw).
//
// Configure in the Chat console: callback URL https://<your worker>/callback, authentication
// on, and the same token as the CALLBACK_TOKEN secret (`wrangler secret put CALLBACK_TOKEN`;
// locally in .dev.vars). SDK_APP_ID is a plain var in wrangler.json.
//
// Answers: 200 with callbackAck() for a verified event; 401 JSON when the Sign, RequestTime
// or SdkAppid check fails; 400 JSON for a malformed request; 405 for other methods; 500 JSON
// when the Worker is not configured (a missing token refuses every event, it never skips
// the check).
import { parseCallback, callbackAck, RecallError } from 'chat-recall';

/** @param {number} status @param {Record<string, string>} body */
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  /** @param {Request} request @param {{ SDK_APP_ID?: string, CALLBACK_TOKEN?: string }} env */
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/callback') return json(404, { error: 'not_found' });
    if (request.method !== 'POST') return json(405, { error: 'method_not_allowed' });
    const token = env.CALLBACK_TOKEN;
    const sdkAppId = Number(env.SDK_APP_ID);
    if (!token || !Number.isInteger(sdkAppId) || sdkAppId <= 0) return json(500, { error: 'not_configured' });

    let event;
    try {
      event = parseCallback({ url: request.url, body: await request.arrayBuffer(), sdkAppId, token });
    } catch (e) {
      if (!(e instanceof RecallError)) throw e;
      // The reason is ours (it names the field that failed), never the token or the Sign.
      return json(e.kind === 'auth' ? 401 : 400, { error: e.kind, info: e.info });
    }

    // Store the event durably here (a queue, D1, a Durable Object) before acknowledging:
    // the service does not retry after-event callbacks.
    if (event.callbackCommand === 'Group.CallbackAfterRecallMsg') {
      console.log(`recalled in ${event.groupId} by ${event.operatorAccount}: ${event.msgSeqs.join(',')}`);
    } else {
      console.log(`withdrawn ${event.msgKey} from ${event.fromAccount} to ${event.toAccount}`);
    }
    return new Response(callbackAck(), { headers: { 'content-type': 'application/json' } });
  },
};
