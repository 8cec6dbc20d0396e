// Bench baselines (see wrangler.toml). Routes:
//   POST /plain            the webhook check in plain JavaScript (SdkAppid, Sign, RequestTime,
//                          JSON, command, fields), then the ack; no durable write
//   POST /plain-durable    the same, with the durable write (SQLite Durable Object, dedup key)
//   POST /package          the package's parseCallback, then the ack; no durable write
//   POST /verify-loop?n=   the same delivery checked n times in a row inside the Worker, by the
//                          package and by the plain-JavaScript check, alternating in blocks;
//                          answers microseconds per check for each (no HTTP in the timing)
//   GET  /recall?gate=0|1&groupId=&from=&count=   RecallClient recalls `count` messages one
//                          request at a time, with or without the RateBudget gate; answers the
//                          per-request latencies measured inside the Worker
import { DurableObject } from 'cloudflare:workers';
import { parseCallback, callbackAck, RecallClient } from 'chat-recall';
import { LeasedRateGate } from '../src/rate-gate.js';

export { RateBudget } from '../src/rate-budget.js';

const ACK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}';
const encoder = new TextEncoder();

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}

/** What a careful hand-written receiver does, in plain JavaScript. */
async function plainCheck(request, env, body) {
  const q = new URL(request.url).searchParams;
  if (q.get('SdkAppid') !== env.SDK_APP_ID) return 'SdkAppid';
  const time = q.get('RequestTime') ?? '';
  const sign = (q.get('Sign') ?? '').toLowerCase();
  if (!/^\d{1,20}$/.test(time) || Math.abs(Math.floor(Date.now() / 1000) - Number(time)) > 60) return 'RequestTime';
  const expected = await sha256Hex(encoder.encode(env.CALLBACK_TOKEN + time));
  if (expected.length !== sign.length || !crypto.subtle.timingSafeEqual(encoder.encode(expected), encoder.encode(sign))) return 'Sign';
  let m;
  try { m = JSON.parse(new TextDecoder().decode(body)); } catch { return 'body'; }
  if (m === null || typeof m !== 'object') return 'body';
  const command = q.get('CallbackCommand') ?? m.CallbackCommand;
  if (command === 'C2C.CallbackAfterMsgWithDraw') {
    if (typeof m.From_Account !== 'string' || typeof m.To_Account !== 'string' || typeof m.MsgKey !== 'string') return 'fields';
    return { command, fromAccount: m.From_Account, toAccount: m.To_Account, msgKey: m.MsgKey };
  }
  if (command === 'Group.CallbackAfterRecallMsg') {
    if (typeof m.GroupId !== 'string' || !Array.isArray(m.MsgSeqList)) return 'fields';
    return { command, groupId: m.GroupId, msgSeqs: m.MsgSeqList.map((x) => x.MsgSeq) };
  }
  return 'command';
}

export class PlainLog extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, dedup TEXT UNIQUE, data TEXT)');
  }

  record(dedup, event) {
    const sql = this.ctx.storage.sql;
    if (sql.exec('SELECT id FROM events WHERE dedup = ?', dedup).toArray().length > 0) return;
    sql.exec('INSERT INTO events (at, dedup, data) VALUES (?, ?, ?)', Date.now(), dedup, JSON.stringify(event));
  }
}

const ackResponse = () => new Response(ACK, { headers: { 'content-type': 'application/json; charset=utf-8' } });
const refuse = (what) => new Response(JSON.stringify({ error: { kind: 'auth', info: what } }), { status: 401 });

async function recallBench(url, env) {
  const gate = url.searchParams.get('gate') === '1';
  const from = Number(url.searchParams.get('from'));
  const count = Number(url.searchParams.get('count'));
  const options = { sdkAppId: Number(env.SDK_APP_ID), identifier: 'administrator', secretKey: env.SECRET_KEY, baseUrl: env.TENCENT_BASE_URL };
  if (gate) options.rateGate = new LeasedRateGate(env, Number(env.SDK_APP_ID));
  const client = new RecallClient(options);
  const ms = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const r = await client.recallGroupMessages({ groupId: url.searchParams.get('groupId'), msgSeqs: [from + i] });
      // Date.now/performance.now move only across I/O in production; locally they are live.
      ms.push(performance.now() - t0);
      if (r.recalled !== 1) throw new Error(`not recalled: ${JSON.stringify(r.results[0])}`);
    }
  } finally {
    client.free();
  }
  return Response.json({ ms });
}

async function verifyLoop(request, env, url, body) {
  const n = Math.min(Number(url.searchParams.get('n')) || 1000, 100_000);
  const sdkAppId = Number(env.SDK_APP_ID);
  const time = { package: 0, plain: 0 };
  const BLOCK = 100;
  for (let done = 0; done < n; done += BLOCK) {
    let t0 = performance.now();
    for (let i = 0; i < BLOCK; i++) parseCallback({ url: request.url, body, sdkAppId, token: env.CALLBACK_TOKEN });
    time.package += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < BLOCK; i++) {
      if (typeof (await plainCheck(request, env, body)) === 'string') throw new Error('plain check refused');
    }
    time.plain += performance.now() - t0;
  }
  const rounds = Math.ceil(n / BLOCK) * BLOCK;
  return Response.json({ n: rounds, packageUs: (time.package * 1000) / rounds, plainUs: (time.plain * 1000) / rounds });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    if (url.pathname === '/verify-loop') return verifyLoop(request, env, url, new Uint8Array(await request.arrayBuffer()));
    if (url.pathname === '/recall') return recallBench(url, env);
    const body = new Uint8Array(await request.arrayBuffer());
    if (url.pathname === '/package') {
      try {
        parseCallback({ url: request.url, body, sdkAppId: Number(env.SDK_APP_ID), token: env.CALLBACK_TOKEN });
      } catch (e) {
        return refuse(e.info);
      }
      return new Response(callbackAck(), { headers: { 'content-type': 'application/json; charset=utf-8' } });
    }
    const event = await plainCheck(request, env, body);
    if (typeof event === 'string') return refuse(event);
    if (url.pathname === '/plain-durable') {
      const q = url.searchParams;
      const dedup = `${q.get('RequestTime')}\n${q.get('Sign')}\n${await sha256Hex(body)}`;
      await env.PLAIN_LOG.get(env.PLAIN_LOG.idFromName(env.SDK_APP_ID)).record(dedup, event);
    }
    return ackResponse();
  },
};
