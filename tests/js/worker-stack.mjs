// The Worker in worker/ (real workerd via `wrangler dev --local`) against the emulator, both
// on free 127.0.0.1 ports, for the worker*.test.mjs suites and benches/worker_*.mjs.
//
// The emulator must know the Worker's /callback URL when it starts, and the Worker the
// emulator's URL: a small forwarder on a free port takes the emulator's webhooks and passes
// them on to the Worker once it is up.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './install.mjs';
import { startEmulator } from './emulator.mjs';
import { startWrangler } from './workerd-harness.mjs';

export const workerDir = join(repo, 'worker');
const RECALL = 'group_open_http_svc/group_msg_recall';
export const APP = 1400000000;

/** worker/node_modules with chat-recall linked to pkg/ (idempotent; `npm ci` when missing). */
export function installWorkerDeps() {
  if (!existsSync(join(repo, 'pkg', 'package.json'))) throw new Error('build the package first: bash scripts/build-pkg.sh');
  if (existsSync(join(workerDir, 'node_modules', 'chat-recall', 'package.json'))) return;
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: workerDir, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** A forwarder for the emulator's webhooks: POSTs to it go to `target()/callback…`. */
async function startForwarder() {
  let target;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (!target) { res.writeHead(503).end(); return; }
    try {
      const r = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: Buffer.concat(chunks) });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await r.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    setTarget(t) { target = t; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

export const SECRETS = {
  SECRET_KEY: 'worker-test-secret-key-0123456789',
  CALLBACK_TOKEN: 'worker-test-callback-token',
  ADMIN_TOKENS: 'alice:alice-token-0123456789abcdef,bot:bot-token-0123456789abcdef',
};
export const ALICE = 'alice-token-0123456789abcdef';
export const BOT = 'bot-token-0123456789abcdef';
export const ORIGIN = 'http://console.test';

/** Write an env file for `wrangler dev --env-file` (secrets never on the command line). */
function envFile(dir, vars) {
  const path = join(dir, 'worker.env');
  writeFileSync(path, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

/**
 * Start the emulator (with `emulatorArgs`) and the Worker. `vars` override the defaults;
 * `persistTo` keeps Durable Object storage between runs (restarts); `logLevel` is wrangler's
 * (default `info`; `log` adds the Worker's console.log lines to `log()`); `devtools: false`
 * runs wrangler without its DevTools inspector proxy, for rate measurements (see
 * startWrangler). Returns helpers.
 */
export async function startStack({ emulatorArgs = [], vars = {}, persistTo, withCallbacks = true, rateLimit = 200, logLevel, devtools = true } = {}) {
  installWorkerDeps();
  const dir = mkdtempSync(join(tmpdir(), 'chat-recall-worker-'));
  const persist = persistTo ?? join(dir, 'state');
  const forwarder = withCallbacks ? await startForwarder() : undefined;
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', SECRETS.SECRET_KEY, '--rate-limit', String(rateLimit),
    ...(forwarder ? ['--callback-url', `${forwarder.url}/callback`, '--callback-token', SECRETS.CALLBACK_TOKEN] : []), ...emulatorArgs]);
  const allVars = { SDK_APP_ID: String(APP), ADMIN_IDENTIFIER: 'administrator', TENCENT_BASE_URL: emu.baseUrl, CONSOLE_ORIGINS: ORIGIN,
    RATE_LIMIT_PER_SECOND: String(rateLimit), ...SECRETS, ...vars };
  for (const [k, v] of Object.entries(allVars)) if (v === undefined) delete allVars[k];
  const file = envFile(dir, allVars);
  let wr;
  const startWorker = async () => {
    wr = await startWrangler(workerDir, { configs: ['wrangler.toml'], readyPath: '/health', timeoutMs: 60_000, logLevel, devtools,
      args: ['--env-file', file, '--persist-to', persist] });
    forwarder?.setTarget(wr.baseUrl);
    return wr;
  };
  await startWorker();
  const stack = {
    emu,
    dir,
    persist,
    devtools,
    get baseUrl() { return wr.baseUrl; },
    /** wrangler's output so far (every run of it). */
    log: () => logs.join('') + wr.output(),
    /** Stop and start the Worker (same persist folder); `vars` change some for the new run. */
    async restartWorker({ vars: changed } = {}) {
      logs.push(wr.output());
      await wr.stop();
      if (changed) {
        Object.assign(allVars, changed);
        for (const [k, v] of Object.entries(allVars)) if (v === undefined) delete allVars[k];
        envFile(dir, allVars);
      }
      await startWorker();
    },
    /** SIGKILL the Worker (wrangler and workerd) without a chance to clean up. */
    async killWorker() {
      logs.push(wr.output());
      await wr.stop();
    },
    startWorker,
    async stop() {
      try { await wr?.stop(); } finally {
        await forwarder?.close();
        await emu.stop();
      }
    },
    /** fetch against the Worker; `token` adds the Bearer header. Returns status, headers, text, json. */
    async call(method, path, { body, token, headers = {}, raw } = {}) {
      const h = { ...headers };
      if (token) h.authorization = `Bearer ${token}`;
      if (body !== undefined || raw !== undefined) h['content-type'] ??= 'application/json';
      // Bounded: a request the Worker never answers fails the test instead of hanging it.
      // wrangler's dev proxy, on a starved host, now and then drops a connection ("fetch
      // failed") or leaves a request unanswered: a GET is safe to send again (3 tries of at
      // most 30 s); anything else gets one try of at most 120 s.
      const isGet = method === 'GET';
      let res;
      for (let attempt = 1; ; attempt++) {
        try {
          res = await fetch(`${wr.baseUrl}${path}`, { method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
            signal: AbortSignal.timeout(isGet ? 30_000 : 120_000) });
          break;
        } catch (e) {
          if (!isGet || attempt >= 3) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const text = await res.text();
      responses.push(text);
      let parsed;
      try { parsed = JSON.parse(text); } catch { parsed = undefined; }
      return { status: res.status, headers: res.headers, text, json: parsed };
    },
    /** Every response body seen through `call`, for secret scans. */
    responses: () => responses.join('\n'),
  };
  const logs = [];
  const responses = [];
  return stack;
}

/** Each secret the Worker holds, and every UserSig made from the secret key, must never show. */
export function assertNoSecrets(assert, text, what) {
  for (const [name, value] of Object.entries(SECRETS)) {
    if (name === 'ADMIN_TOKENS') {
      for (const pair of value.split(',')) assert.ok(!text.includes(pair.split(':')[1]), `${what} contains an admin token`);
    } else {
      assert.ok(!text.includes(value), `${what} contains ${name}`);
    }
  }
  // UserSigs are base64url-ish strings starting with eJ (zlib) that the service sees in the URL.
  assert.ok(!/usersig=/i.test(text), `${what} contains a usersig query parameter`);
  assert.ok(!/eJ[A-Za-z0-9*_-]{80,}/.test(text), `${what} contains something shaped like a UserSig`);
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * Three clients recalling through the Worker at once: two direct API callers (groups
 * wrate-a and wrate-b, `perCaller` messages each, in calls of 2,000) and one durable job
 * (group wrate-job, `perJob` messages). Seed those groups in the emulator. Returns their
 * answers and the emulator's statistics of the recall API.
 */
export async function measureThreeClients(stack, { perCaller = 4000, perJob = 4000 } = {}) {
  const { call } = stack;
  // Two direct callers: each recalls its own group in calls of 2,000 MsgSeqs (200 requests).
  const caller = async (groupId, token) => {
    const reports = [];
    for (let at = 1; at <= perCaller; at += 2000) {
      const r = await call('POST', '/api/recall/group', { token, body: { groupId, msgSeqs: range(at, Math.min(at + 1999, perCaller)) } });
      if (r.status !== 200) throw new Error(`recall failed: ${r.text}`);
      reports.push(r.json);
    }
    return reports;
  };
  const job = async () => {
    const r = await call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: 'wrate-job', msgSeqs: range(1, perJob) } });
    if (r.status !== 202) throw new Error(`job not started: ${r.text}`);
    for (;;) {
      const j = await call('GET', `/api/jobs/${r.json.id}?results=false`, { token: ALICE });
      if (j.json.status === 'done') return j.json;
      // Seldom: each poll reads the job's progress (a scan of its rows) in the isolate being measured.
      await new Promise((res) => setTimeout(res, 1000));
    }
  };
  const [a, b, j] = await Promise.all([caller('wrate-a', ALICE), caller('wrate-b', BOT), job()]);
  const stats = await (await fetch(`${stack.emu.baseUrl}/_emulator/stats?arrivals=1`)).json();
  const api = stats.apis[RECALL];
  return { a, b, j, api, budget: await budgetCounters(stack) };
}

/**
 * The RateBudget's counters as it last logged them (`[rate-budget] {...}`, every 2 s while
 * leases come and 2 s after the last one): leases, permits granted and given back, the
 * gates' lateness histogram, the window it keeps. Waits out the line after the last lease.
 */
export async function budgetCounters(stack) {
  await new Promise((r) => setTimeout(r, 2500));
  const lines = stack.log().split('\n').filter((l) => l.includes('[rate-budget] '));
  const line = lines[lines.length - 1];
  if (line === undefined) return undefined;
  try { return JSON.parse(line.slice(line.indexOf('[rate-budget] ') + '[rate-budget] '.length)); } catch { return undefined; }
}

/** The bench baselines (worker/bench): plain-JS webhook checks, RecallClient with/without the gate. */
export async function startBaseline(stack) {
  const dir = join(workerDir, 'bench');
  const file = join(stack.dir, 'worker.env');
  return startWrangler(dir, { configs: ['wrangler.toml'], readyPath: '/health', timeoutMs: 60_000, devtools: stack.devtools,
    args: ['--env-file', file, '--persist-to', join(stack.dir, 'baseline-state')] });
}

/**
 * Poll `f` (sync or async) until it gives a truthy value, and return that value; throw
 * "timed out waiting for <what>" after `timeoutMs`. `everyMs`: the pause between polls.
 */
export async function waitFor(what, f, { timeoutMs = 10_000, everyMs = 50 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
