// The package in a Vite app, as the README promises ("a bundler such as Vite"): a copy of the
// consumer project gets index.html + main.js that `import init, { RecallClient, RecallError }
// from 'chat-recall'` by name, `await init()`, and recall through a RecallClient against the
// emulator with a UserSig made here (the secret key never reaches the page). Then:
//   - `vite build` (offline), dist/ served by a static server on 127.0.0.1, loaded in
//     headless Chromium: Vite must have emitted the .wasm that the glue references with
//     `new URL('chat_recall_bg.wasm', import.meta.url)`, and the page must use it;
//   - the Vite dev server on 127.0.0.1 (it pre-bundles dependencies, where wasm packages
//     often break), same page, same checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname, sep } from 'node:path';
import { createRequire } from 'node:module';
import { importPackage, installedProject, repo } from './install.mjs';
import { startEmulator } from './emulator.mjs';

const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');
const vite = await import(require.resolve('vite'));
const lib = await importPackage();
const APP = 1400000000;
const KEY = 'vite-test-key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>chat-recall in Vite</title></head>
<body><pre id="out">running</pre><script type="module" src="/main.js"></script></body></html>
`;

// The app: the UserSig, baseUrl and app id come in the query string (a real console would
// get the UserSig from its server). Everything it finds is left on window.result.
const MAIN_JS = `import init, { RecallClient, RecallError } from 'chat-recall';

const q = new URLSearchParams(location.search);
const sdkAppId = Number(q.get('app'));
const baseUrl = q.get('base');
const userSig = q.get('sig');

async function describe(promise) {
  try {
    await promise;
    return { threw: false };
  } catch (e) {
    return { threw: true, isRecallError: e instanceof RecallError, isError: e instanceof Error, name: e.name, kind: e.kind, code: e.code, info: e.info, hasReport: e.report !== undefined };
  }
}

await init(); // top-level, as in the README: loads chat_recall_bg.wasm

async function run() {
  const client = new RecallClient({ sdkAppId, identifier: 'administrator', userSig, baseUrl });
  const history = await client.getGroupHistory({ groupId: 'demo-public', count: 5 });
  const seqs = history.messages.map((m) => m.msgSeq);
  const progress = [];
  const report = await client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [...seqs, 999999], onProgress: (p) => progress.push(p) });
  const after = await client.getGroupHistory({ groupId: 'demo-public', count: 20, withRecalled: true });
  const invalid = await describe(client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [0] }));
  const notFound = await describe(client.getGroupHistory({ groupId: 'no-such-group' }));
  const ac = new AbortController();
  ac.abort();
  const aborted = await describe(client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1], signal: ac.signal }));
  const secret = await describe((async () => new RecallClient({ sdkAppId, identifier: 'administrator', secretKey: 'k', baseUrl }))());
  client.free();
  return { seqs, report, lastProgress: progress.at(-1), recalledAfter: after.messages.filter((m) => m.recalled).map((m) => m.msgSeq), invalid, notFound, aborted, secret };
}

window.result = run().then(
  (r) => { document.getElementById('out').textContent = 'done'; return { ok: true, ...r }; },
  (e) => ({ ok: false, error: String(e && e.stack || e) }),
);
`;

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json', '.css': 'text/css' };

/** A copy of the installed consumer project with the app in it. */
function makeApp() {
  const dir = mkdtempSync(join(tmpdir(), 'chat-recall-vite-'));
  cpSync(installedProject(), dir, { recursive: true, filter: (src) => !src.includes(`${sep}types-check`) });
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dir, 'main.js'), MAIN_JS);
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Serves a folder on 127.0.0.1 with proper MIME types (application/wasm included). */
async function serveStatic(root) {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** A Vite logger that records warnings and errors (printed too, for the test log). */
function recordingLogger() {
  const logger = vite.createLogger('warn', { allowClearScreen: false });
  const seen = [];
  for (const level of ['warn', 'warnOnce', 'error']) {
    const original = logger[level].bind(logger);
    logger[level] = (msg, options) => { seen.push(`${level}: ${msg}`); original(msg, options); };
  }
  return { logger, seen };
}

let emu;
let browser;
let userSig;
const cleanups = [];

before(async () => {
  emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // Made here, server side; the page only ever sees the UserSig.
  userSig = lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 600 });
});

after(async () => {
  for (const f of cleanups.reverse()) await f().catch(() => {});
  await browser?.close().catch(() => {});
  await emu?.stop();
});

/** Loads the app at `url` and returns its result, the .wasm responses and page errors. */
async function runPage(url) {
  const page = await browser.newPage();
  const problems = [];
  const wasm = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // "Failed to load resource" console errors name no URL; failed responses are listed below.
  page.on('console', (m) => { if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) problems.push(`console.${m.type()}: ${m.text()}`); });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
    if (r.status() >= 400 && path !== '/favicon.ico') problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  try {
    const q = new URLSearchParams({ app: String(APP), base: emu.baseUrl, sig: userSig });
    await page.goto(`${url}?${q}`);
    // Wait for the app's result; a failed module (e.g. `await init()` rejecting) never sets
    // it, so stop early on a page error.
    const deadline = Date.now() + 20_000;
    while (!(await page.evaluate(() => window.result !== undefined))) {
      if (problems.some((p) => p.startsWith('pageerror')) || Date.now() > deadline) {
        assert.fail(`the app did not finish:\n${problems.join('\n') || 'no page errors (timed out)'}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { result: await page.evaluate(() => window.result), wasm, problems };
  } finally {
    await page.close();
  }
}

function checkResult({ result, wasm, problems }, where) {
  assert.equal(result.ok, true, `${where}: the app failed: ${result.error}`);
  // Errors from the wasm glue's fetch of the module would show up here (404, wrong MIME).
  assert.deepEqual(problems, [], `${where}: page problems`);
  assert.equal(wasm.length, 1, `${where}: expected one .wasm fetch, saw ${JSON.stringify(wasm)}`);
  assert.equal(wasm[0].status, 200, `${where}: .wasm status`);
  assert.equal(result.seqs.length, 5);
  assert.equal(result.report.requested, 6);
  assert.equal(result.report.recalled, 5);
  assert.equal(result.report.failed, 1);
  assert.equal(result.report.requests, 1);
  assert.deepEqual(result.report.results.at(-1), { msgSeq: 999999, ok: false, outcome: 'failed', code: 10030, message: 'the message does not exist', attempts: 1 });
  assert.deepEqual(result.lastProgress, { done: 6, total: 6, recalled: 5, failed: 1, notSent: 0, unknown: 0 });
  for (const seq of result.seqs) assert.ok(result.recalledAfter.includes(seq), `${where}: ${seq} is not marked recalled`);
  for (const [name, e, kind] of [['invalid', result.invalid, 'invalid_input'], ['notFound', result.notFound, 'not_found'], ['aborted', result.aborted, 'aborted'], ['secret', result.secret, 'invalid_input']]) {
    assert.equal(e.threw, true, `${where}: ${name} did not throw`);
    assert.equal(e.isRecallError, true, `${where}: ${name} is not instanceof RecallError`);
    assert.equal(e.isError, true, `${where}: ${name} is not instanceof Error`);
    assert.equal(e.name, 'RecallError');
    assert.equal(e.kind, kind, `${where}: ${name}: ${e.info}`);
  }
  assert.match(result.invalid.info, /msgSeqs\[0\]/);
  assert.match(result.secret.info, /secretKey/);
  assert.equal(result.aborted.hasReport, true);
}

test('vite build: the .wasm is emitted as an asset and the built app recalls in Chromium', async () => {
  const app = makeApp();
  const t0 = Date.now();
  const log = recordingLogger();
  await vite.build({ root: app, configFile: false, logLevel: 'warn', customLogger: log.logger, build: { outDir: join(app, 'dist'), emptyOutDir: true } });
  const buildMs = Date.now() - t0;
  assert.deepEqual(log.seen, [], 'vite build warned');
  const assets = readdirSync(join(app, 'dist', 'assets'));
  const emitted = assets.filter((f) => f.endsWith('.wasm'));
  assert.equal(emitted.length, 1, `expected one .wasm in dist/assets, got ${assets.join(', ')}`);
  assert.ok(readFileSync(join(app, 'dist', 'assets', emitted[0])).equals(readFileSync(join(app, 'node_modules/chat-recall/chat_recall_bg.wasm'))), 'the emitted .wasm is the package\'s');
  // The bundle references the emitted file (the glue's new URL(..., import.meta.url) was rewritten).
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(app, 'dist', 'assets', f), 'utf8')).join('\n');
  assert.ok(js.includes(emitted[0]), 'the bundle references the emitted .wasm');

  const site = await serveStatic(join(app, 'dist'));
  cleanups.push(site.close);
  const run = await runPage(site.url);
  checkResult(run, 'vite build');
  assert.equal(new URL(run.wasm[0].url).pathname, `/assets/${emitted[0]}`);
  assert.equal(run.wasm[0].type, 'application/wasm');
  console.log(`# vite build ${buildMs} ms, ${emitted[0]}`);
});

// Pre-bundled (the default) and, as many users configure for wasm packages, excluded from
// pre-bundling (served from node_modules as is: the exports map, the glue and snippets/).
for (const [label, optimizeDeps] of [['pre-bundled', {}], ['optimizeDeps.exclude', { exclude: ['chat-recall'] }]]) {
  test(`vite dev server (${label}): the app loads the .wasm and recalls in Chromium`, async () => {
    const app = makeApp();
    const log = recordingLogger();
    const server = await vite.createServer({
      root: app, configFile: false, logLevel: 'warn', customLogger: log.logger, clearScreen: false, optimizeDeps,
      server: { host: '127.0.0.1', port: 0, strictPort: false, watch: null, hmr: false },
    });
    cleanups.push(() => server.close());
    await server.listen();
    const url = server.resolvedUrls.local[0];
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const run = await runPage(url);
    checkResult(run, `vite dev (${label})`);
    assert.equal(run.wasm[0].type, 'application/wasm');
    assert.equal(new URL(run.wasm[0].url).pathname, '/node_modules/chat-recall/chat_recall_bg.wasm');
    const deps = join(app, 'node_modules/.vite/deps');
    const prebundled = existsSync(join(deps, 'chat-recall.js'));
    assert.equal(prebundled, label === 'pre-bundled', 'whether Vite pre-bundled chat-recall');
    assert.deepEqual(log.seen, [], 'the dev server warned');
    await server.close();
  });
}
