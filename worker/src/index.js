// The chat-recall Worker: the service's recall webhooks (POST /callback), the admin API for
// consoles (/api/...), and the Durable Objects it runs on. See worker/README.md.
import { handleCallback } from './callback.js';
import { handleAdmin } from './admin.js';
import { authenticate, corsHeaders, preflight } from './auth.js';
import { HttpError, errorResponse, json, methodNotAllowed } from './http.js';

export { EventLog } from './event-log.js';
export { RateBudget } from './rate-budget.js';
export { RecallJob } from './recall-job.js';

function withHeaders(response, headers) {
  if (Object.keys(headers).length === 0) return response;
  const r = new Response(response.body, response);
  for (const [k, v] of Object.entries(headers)) r.headers.set(k, v);
  return r;
}

async function route(request, env) {
  const url = new URL(request.url);
  if (url.pathname === '/callback') return handleCallback(request, env);
  if (url.pathname === '/health') {
    if (request.method !== 'GET') throw methodNotAllowed(request.method, 'GET');
    return json({ ok: true });
  }
  if (url.pathname.startsWith('/api/')) {
    let cors = {};
    try {
      if (request.method === 'OPTIONS') return preflight(request, env);
      cors = corsHeaders(request, env);
      const actor = await authenticate(request, env);
      return withHeaders(await handleAdmin(request, env, actor, url), cors);
    } catch (e) {
      // An allowed console must be able to read the error too.
      return withHeaders(errorResponse(e), cors);
    }
  }
  throw new HttpError(404, 'not_found', `path: ${url.pathname.slice(0, 128)} is not a route`, { field: 'path' });
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (e) {
      return errorResponse(e);
    }
  },
};
