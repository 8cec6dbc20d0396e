// The console through the Worker (worker/): every call is the Worker's admin API with the
// admin token as a Bearer token. The Worker holds the secret key; the page never sees it.
import { ApiError } from './errors.js';

export class WorkerBackend {
  /** @param {{ workerUrl: string, adminToken: string }} opts */
  constructor({ workerUrl, adminToken }) {
    if (!workerUrl) throw new ApiError({ kind: 'invalid_input', info: 'Worker URL: enter the address of your Worker, e.g. http://127.0.0.1:8787' });
    let url;
    try { url = new URL(workerUrl); } catch { throw new ApiError({ kind: 'invalid_input', info: `Worker URL: "${workerUrl}" is not a URL` }); }
    if (!/^https?:$/.test(url.protocol)) throw new ApiError({ kind: 'invalid_input', info: 'Worker URL: must start with http:// or https://' });
    if (!adminToken) throw new ApiError({ kind: 'invalid_input', info: 'Admin token: required to use the Worker' });
    this.base = url.href.replace(/\/+$/, '');
    this.token = adminToken;
    this.mode = 'worker';
    this.target = this.base;
    this.hasLiveFeed = true;
  }

  async call(method, path, body) {
    let res;
    // A read that could not connect is tried again twice (a dropped connection, a Worker
    // restarting); a write is not, since it may have arrived.
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(this.base + path, {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(30_000),
        });
        break;
      } catch (e) {
        if (method === 'GET' && attempt < 2 && e?.name !== 'TimeoutError') { await new Promise((r) => setTimeout(r, 400 * (attempt + 1))); continue; }
        throw new ApiError({ kind: 'unreachable', worker: true, url: this.base, info: e?.name === 'TimeoutError' ? 'no answer within 30 s' : 'connection refused or blocked' });
      }
    }
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = undefined; }
    if (!res.ok) {
      const e = json?.error;
      throw new ApiError({
        kind: e?.kind ?? (res.status === 401 || res.status === 403 ? 'auth' : 'server'),
        code: e?.code ?? 0, info: e?.info ?? `HTTP ${res.status}`, api: e?.api ?? path,
        retryable: e?.retryable ?? res.status >= 500, httpStatus: res.status, worker: true, url: this.base,
      });
    }
    if (json === undefined) throw new ApiError({ kind: 'protocol', info: `the Worker answered ${path} with something that is not JSON`, worker: true });
    return json;
  }

  /** A cheap authenticated call: proves the URL and the token. */
  async check() { await this.call('GET', '/api/audit?limit=1'); }

  groupHistory({ groupId, topicId, beforeSeq, count = 20, withRecalled = true }) {
    const q = new URLSearchParams({ groupId, count: String(count), withRecalled: String(withRecalled) });
    if (topicId) q.set('topicId', topicId);
    if (beforeSeq !== undefined) q.set('beforeSeq', String(beforeSeq));
    return this.call('GET', `/api/history/group?${q}`);
  }

  recallGroup({ groupId, topicId, msgSeqs, reason }) {
    return this.call('POST', '/api/recall/group', { groupId, msgSeqs, ...(topicId ? { topicId } : {}), ...(reason ? { reason } : {}) });
  }

  recallSender({ groupId, senderAccount, topicId, reason }) {
    return this.call('POST', '/api/recall/sender', { groupId, senderAccount, ...(topicId ? { topicId } : {}), ...(reason ? { reason } : {}) });
  }

  c2cHistory({ operatorAccount, peerAccount, minTime, maxTime, maxCount = 50, lastMsgKey }) {
    const q = new URLSearchParams({ operatorAccount, peerAccount, minTime: String(minTime), maxTime: String(maxTime), maxCount: String(maxCount) });
    if (lastMsgKey) q.set('lastMsgKey', lastMsgKey);
    return this.call('GET', `/api/history/c2c?${q}`);
  }

  recallC2C({ fromAccount, toAccount, msgKey, reason }) {
    return this.call('POST', '/api/recall/c2c', { fromAccount, toAccount, msgKey, ...(reason ? { reason } : {}) });
  }

  startJob(spec) { return this.call('POST', '/api/jobs', spec); }
  async listJobs() { const r = await this.call('GET', '/api/jobs'); return Array.isArray(r) ? r : (r.jobs ?? []); }
  getJob(id) { return this.call('GET', `/api/jobs/${encodeURIComponent(id)}`); }
  cancelJob(id) { return this.call('DELETE', `/api/jobs/${encodeURIComponent(id)}`); }

  async events(limit = 50) { return (await this.call('GET', `/api/events?limit=${limit}`)).events ?? []; }
  async audit(limit = 50) { return (await this.call('GET', `/api/audit?limit=${limit}`)).entries ?? []; }

  /**
   * Follows the Worker's recall events: its server-sent event stream when it has one,
   * otherwise the newest page of /api/events once a second. Returns a stop function.
   * @param {(event: any) => void} onEvent  called once per event, oldest first
   * @param {(state: 'live'|'polling'|'down', err?: unknown) => void} onState
   */
  follow(onEvent, onState) {
    const seen = new Set();
    const key = (ev) => ev.id ?? JSON.stringify(ev);
    const deliver = (list) => {
      for (const ev of [...list].reverse()) {
        const k = key(ev);
        if (!seen.has(k)) { seen.add(k); onEvent(ev); }
      }
    };
    const ctl = new AbortController();
    let timer;
    const poll = async () => {
      if (ctl.signal.aborted) return;
      try { deliver(await this.events()); onState('polling'); } catch (e) { onState('down', e); }
      timer = setTimeout(poll, 1000);
    };
    const stream = async () => {
      try {
        const res = await fetch(`${this.base}/api/events/stream`, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal: ctl.signal });
        if (!res.ok || !res.body || !/text\/event-stream/.test(res.headers.get('content-type') ?? '')) { res.body?.cancel(); return false; }
        deliver(await this.events());
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
            if (data) { try { deliver([JSON.parse(data)]); } catch { /* a keep-alive or foreign line */ } }
          }
        }
      } catch (e) {
        if (ctl.signal.aborted) return true;
      }
      return false;
    };
    stream().then((ended) => { if (!ended && !ctl.signal.aborted) poll(); });
    return () => { ctl.abort(); clearTimeout(timer); };
  }
}
