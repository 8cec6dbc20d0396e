// The files in examples/ run as written, each in its runtime, against the emulator, with the
// package installed from its tarball and imported by name:
//   - examples/node/purge-sender.mjs in Node (env and argv point it at the emulator);
//   - examples/browser-importmap/index.html in headless Chromium, served with the package's
//     files, a /usersig endpoint and a same-origin /im-proxy to the emulator (relative baseUrl);
//   - examples/vite-console/ under the Vite dev server with its own vite.config.js (its
//     /usersig middleware and /im-proxy proxy), in headless Chromium;
//   - examples/worker/ in workerd (wrangler dev --local), receiving the emulator's signed
//     webhooks, and refusing bad ones with 4xx JSON.
// Each checks the emulator's state afterwards: every message of the sender recalled, no other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, existsSync, statSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname, sep } from 'node:path';
import { createRequire } from 'node:module';
import { importPackage, installedProject, repo } from './install.mjs';
import { startEmulator } from './emulator.mjs';
import { startWrangler } from './workerd-harness.mjs';

const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');
const vite = await import(require.resolve('vite'));
const lib = await importPackage();
const APP = 1400000000;
const KEY = 'examples-test-key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const examples = join(repo, 'examples');
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

let emu;
let browser;
const cleanups = [];
/** Registers `f` for the end of the run and returns it wrapped to run at most once. */
function once(f) {
  let done;
  const g = () => (done ??= f());
  cleanups.push(g);
  return g;
}

before(async () => {
  // One 300-message group per example, so each purge is checked on a group of its own.
  emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo',
    '--seed-group', 'ex-node:Public:300', '--seed-group', 'ex-importmap:Public:300', '--seed-group', 'ex-vite:Public:300']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  for (const f of cleanups.reverse()) await f().catch(() => {});
  cleanups.length = 0;
  await browser?.close().catch(() => {});
  await emu?.stop();
});

const admin = () => new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: emu.baseUrl });

/** Checks that exactly `sender`'s messages of the group are recalled (seed-group senders: seq % 4). */
async function assertPurged(groupId, sender, total) {
  const c = admin();
  try {
    const states = [];
    for await (const m of c.groupHistory({ groupId, withRecalled: true })) states.push(m);
    assert.equal(states.length, total);
    const wrong = states.filter((m) => m.recalled !== (m.fromAccount === sender));
    assert.deepEqual(wrong.map((m) => m.msgSeq), [], `${groupId}: messages in the wrong state`);
    assert.equal(states.filter((m) => m.recalled).length, total / 4);
  } finally {
    c.free();
  }
}

test('examples/node/purge-sender.mjs runs as written in Node', async () => {
  const dir = join(installedProject(), 'examples-node');
  mkdirSync(dir, { recursive: true });
  cpSync(join(examples, 'node', 'purge-sender.mjs'), join(dir, 'purge-sender.mjs'));
  const run = (args, env) => new Promise((resolve) => {
    execFile(process.execPath, ['purge-sender.mjs', ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
  const env = { CHAT_RECALL_BASE_URL: emu.baseUrl, TENCENT_SECRET_KEY: KEY, TENCENT_SDK_APP_ID: String(APP) };
  const r = await run(['ex-node', 'seed-user-2'], env);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => l.split(' ')[1]), ['#297', '#293', '#289'], r.stdout);
  assert.ok(lines.includes('recall: 75 recalled, 0 failed'), r.stdout);
  assert.ok(lines.includes('scanned 300 messages in 15 pages'), r.stdout);
  assert.deepEqual(JSON.parse(lines.at(-1)), { requested: 75, recalled: 75, failed: 0 });
  await assertPurged('ex-node', 'seed-user-2', 300);
  // Its error path: a group that does not exist is one line naming the kind.
  const missing = await run(['no-such-group', 'bob'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^not_found: /);
  // And its usage line without the secret key.
  const usage = await run(['ex-node', 'bob'], { CHAT_RECALL_BASE_URL: emu.baseUrl });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^usage: /);
});

/** Forwards /im-proxy/* to the emulator (the proxy a site puts in front of the service). */
function proxyToEmulator(req, res, path) {
  const target = new URL(emu.baseUrl);
  const fwd = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  fwd.on('error', () => res.writeHead(502).end());
  req.pipe(fwd);
}

/** Drives a console page: waits for "ready", purges a sender, returns the log. */
async function runConsole(url, groupId, senderAccount) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // "Failed to load resource" console errors name no URL; failed responses are listed below.
  page.on('console', (m) => { if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) problems.push(`console.${m.type()}: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('log')?.textContent.includes('ready'), null, { timeout: 20_000 })
      .catch(() => assert.fail(`the page did not get ready:\n${problems.join('\n')}`));
    await page.fill('input[name=groupId]', groupId);
    await page.fill('input[name=senderAccount]', senderAccount);
    await page.click('button');
    await page.waitForFunction(() => /^(done|error) /m.test(document.getElementById('log')?.textContent ?? ''), null, { timeout: 60_000 });
    const log = await page.evaluate(() => document.getElementById('log').textContent);
    assert.deepEqual(problems, [], 'page problems');
    return log.trim().split('\n');
  } finally {
    await page.close();
  }
}

test('examples/browser-importmap/index.html runs as written in Chromium (import map, relative baseUrl)', async () => {
  const root = installedProject();
  const html = readFileSync(join(examples, 'browser-importmap', 'index.html'));
  const proxied = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    if (url.pathname === '/usersig') {
      const userSig = lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 600 });
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sdkAppId: APP, identifier: 'administrator', userSig }));
    }
    if (url.pathname.startsWith('/im-proxy/')) {
      proxied.push(url.pathname);
      return proxyToEmulator(req, res, req.url.slice('/im-proxy'.length));
    }
    const file = normalize(join(root, url.pathname));
    if (!url.pathname.startsWith('/node_modules/chat-recall/') || !file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  const lines = await runConsole(`http://127.0.0.1:${server.address().port}/`, 'ex-importmap', 'seed-user-3');
  assert.equal(lines.at(-1), 'done {"recalled":75,"failed":0,"scanned":300}', lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('scanning: ')), lines.join('\n'));
  // Every request went through the page's own origin.
  assert.ok(proxied.length >= 15 + 8, `proxied ${proxied.length}`);
  assert.ok(proxied.every((p) => p.startsWith('/im-proxy/v4/group_open_http_svc/')), proxied[0]);
  await assertPurged('ex-importmap', 'seed-user-3', 300);
});

test('examples/vite-console runs as written under the Vite dev server in Chromium', async () => {
  const app = mkdtempSync(join(tmpdir(), 'chat-recall-vite-example-'));
  cleanups.push(async () => rmSync(app, { recursive: true, force: true }));
  cpSync(installedProject(), app, { recursive: true, filter: (src) => !src.includes(`${sep}types-check`) && !src.includes(`${sep}workers-`) && !src.includes(`${sep}examples-`) });
  cpSync(join(examples, 'vite-console'), app, { recursive: true });
  // A Vite project has vite installed: link the repository's copy in.
  symlinkSync(join(repo, 'node_modules', 'vite'), join(app, 'node_modules', 'vite'), 'dir');
  // The config reads these when it is loaded (as `CHAT_RECALL_UPSTREAM=... vite` would).
  const saved = { ...process.env };
  Object.assign(process.env, { CHAT_RECALL_UPSTREAM: emu.baseUrl, TENCENT_SECRET_KEY: KEY, TENCENT_SDK_APP_ID: String(APP) });
  let server;
  try {
    server = await vite.createServer({ root: app, configFile: join(app, 'vite.config.js'), logLevel: 'warn', clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, watch: null, hmr: false } });
  } finally {
    for (const k of ['CHAT_RECALL_UPSTREAM', 'TENCENT_SECRET_KEY', 'TENCENT_SDK_APP_ID']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
  const closeVite = once(() => server.close());
  await server.listen();
  const lines = await runConsole(server.resolvedUrls.local[0], 'ex-vite', 'seed-user-4');
  assert.equal(lines.at(-1), 'done {"recalled":75,"failed":0,"scanned":300}', lines.join('\n'));
  // The sender's three newest messages were shown first (seed-user-4 wrote MsgSeq 4k+3).
  assert.deepEqual(lines.slice(1, 4).map((l) => l.split(' ')[0]), ['#299', '#295', '#291'], lines.join('\n'));
  await assertPurged('ex-vite', 'seed-user-4', 300);
  await closeVite();
});

test('examples/worker runs as written in workerd: verified webhooks are acknowledged, refused ones get 4xx JSON', { timeout: 90_000 }, async () => {
  const TOKEN = 'examples-callback-token';
  const dir = join(installedProject(), `examples-worker-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(examples, 'worker'), dir, { recursive: true });
  writeFileSync(join(dir, '.dev.vars'), `CALLBACK_TOKEN=${TOKEN}\n`);
  const wr = await startWrangler(dir, { readyPath: '/callback', timeoutMs: 40_000 });
  const stopWorker = once(wr.stop);
  assert.equal(wr.first.status, 405, wr.first.body);
  // Bundled as a user's project bundles the package: no warning from wrangler's esbuild.
  assert.deepEqual(wr.warnings(), []);
  // The emulator signs its webhooks with the same token and posts them to the Worker.
  const hooks = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo',
    '--callback-url', `${wr.baseUrl}/callback`, '--callback-token', TOKEN]);
  const stopHooks = once(hooks.stop);
  const c = new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: hooks.baseUrl });
  const report = await c.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [5, 6] });
  assert.equal(report.recalled, 2);
  const m = (await c.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 1 })).messages[0];
  await c.recallC2CMessage({ fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey });
  c.free();
  const deadline = Date.now() + 20_000;
  let stats;
  while ((stats = (await hooks.stats()).webhooks).ok + stats.failed < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(stats, { sent: 2, ok: 2, failed: 0 });
  const now = Math.floor(Date.now() / 1000);
  const sign = (t) => createHash('sha256').update(TOKEN + t).digest('hex');
  const query = (over = {}) => new URLSearchParams({ SdkAppid: String(APP), CallbackCommand: 'Group.CallbackAfterRecallMsg', contenttype: 'json',
    ClientIP: '10.0.0.1', OptPlatform: 'RESTAPI', RequestTime: String(now), Sign: sign(now), ...over });
  const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: 'g', MsgSeqList: [{ MsgSeq: 1 }], EventTime: now * 1000 });
  const post = async (q, b = body, method = 'POST') => {
    const res = await fetch(`${wr.baseUrl}/callback?${q}`, { method, body: method === 'POST' ? b : undefined });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const ok = await post(query());
  assert.deepEqual(ok, { status: 200, type: 'application/json', text: lib.callbackAck() });
  for (const [label, q, b, status, kind, info] of [
    ['wrong Sign', query({ Sign: sign(now + 1) }), body, 401, 'auth', /^Sign: /],
    ['stale RequestTime', query({ RequestTime: String(now - 3600), Sign: sign(now - 3600) }), body, 401, 'auth', /^RequestTime: /],
    ['foreign SdkAppid', query({ SdkAppid: '1400000001' }), body, 401, 'auth', /^SdkAppid: /],
    ['no Sign', (() => { const x = query(); x.delete('Sign'); return x; })(), body, 401, 'auth', /^Sign: /],
    ['malformed body', query(), '{"CallbackCommand":', 400, 'invalid_input', /^body: /],
  ]) {
    const r = await post(q, b);
    assert.equal(r.status, status, `${label}: ${r.text}`);
    assert.equal(r.type, 'application/json', label);
    const j = JSON.parse(r.text);
    assert.equal(j.error, kind, label);
    assert.match(j.info, info, label);
    assert.ok(!r.text.includes(TOKEN), `${label}: the token leaked`);
  }
  assert.equal((await post(query(), body, 'GET')).status, 405);
  await stopHooks();
  await stopWorker();
});
