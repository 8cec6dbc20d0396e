// The package in headless Chromium (Playwright driving Debian's chromium): a page imports
// `chat-recall` by name through an import map that follows the package's "exports" browser
// entry, calls `await init()`, and recalls through RecallClient against the emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';
import { createRequire } from 'node:module';
import { importPackage, installedProject, repo } from './install.mjs';
import { startEmulator } from './emulator.mjs';

const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');
const lib = await importPackage();
const APP = 1400000000;
const KEY = 'browser-test-key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

/** Serves the consumer project (with node_modules/chat-recall) and a test page. */
async function startSite() {
  const root = installedProject();
  const pkgJson = JSON.parse(readFileSync(join(root, 'node_modules/chat-recall/package.json'), 'utf8'));
  const browserEntry = pkgJson.exports['.'].browser.replace(/^\.\//, '');
  const pageWith = (script) => `<!doctype html><meta charset="utf-8"><title>chat-recall</title>
<script type="importmap">{"imports":{"chat-recall":"/node_modules/chat-recall/${browserEntry}"}}</script>
<script type="module">
  import init, * as lib from 'chat-recall';
  ${script}
</script>`;
  const page = pageWith('window.libReady = init().then(() => { window.lib = lib; return true; });');
  // The first init() points at a missing file: that failure must not stick.
  const retryPage = pageWith(`window.libReady = init('/missing.wasm').then(
    () => ({ firstFailed: false }),
    (e) => init().then(() => { window.lib = lib; return { firstFailed: String(e) }; }));`);
  // A module Web Worker is a browser too: the secret key is refused there as well.
  const workerScript = `import init, { RecallClient, RecallError } from '/node_modules/chat-recall/${browserEntry}';
await init();
try {
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: 'k', baseUrl: 'http://127.0.0.1:9' });
  postMessage({ refused: false });
} catch (e) {
  postMessage({ refused: e instanceof RecallError, kind: e.kind, info: e.info });
}`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (path === '/retry') return res.writeHead(200, { 'content-type': 'text/html' }).end(retryPage);
    if (path === '/worker.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerScript);
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

test('RecallClient in headless Chromium against the emulator', async () => {
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo']);
  const site = await startSite();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(site.url);
    assert.equal(await page.evaluate(() => window.libReady), true);
    // The UserSig is made here (server side) and handed to the page; the key stays out.
    const userSig = lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 600 });
    const result = await page.evaluate(async ({ baseUrl, userSig, APP }) => {
      const { RecallClient, RecallError } = window.lib;
      const client = new RecallClient({ sdkAppId: APP, identifier: 'administrator', userSig, baseUrl });
      const history = await client.getGroupHistory({ groupId: 'demo-public', count: 20 });
      const seqs = history.messages.map((m) => m.msgSeq);
      const progress = [];
      const report = await client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [...seqs, 999999], onProgress: (p) => progress.push(p) });
      const after = await client.getGroupHistory({ groupId: 'demo-public', count: 20, withRecalled: true });
      let refused;
      try { new RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: 'k', baseUrl }); } catch (e) { refused = { isRecallError: e instanceof RecallError, kind: e.kind, info: e.info }; }
      let invalid;
      try { await client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [0] }); } catch (e) { invalid = { isError: e instanceof Error, kind: e.kind, info: e.info }; }
      const ac = new AbortController(); ac.abort();
      const aborted = await client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1], signal: ac.signal }).catch((e) => e.kind);
      return { seqs, report, progress, recalledMarks: after.messages.filter((m) => m.recalled).length, refused, invalid, aborted };
    }, { baseUrl: emu.baseUrl, userSig, APP });
    assert.equal(result.seqs.length, 20);
    assert.equal(result.report.requested, 21);
    assert.equal(result.report.recalled, 20);
    assert.equal(result.report.requests, 3);
    assert.deepEqual(result.report.results.at(-1), { msgSeq: 999999, ok: false, outcome: 'failed', code: 10030, message: 'the message does not exist', attempts: 1 });
    assert.deepEqual(result.progress.at(-1), { done: 21, total: 21, recalled: 20, failed: 1, notSent: 0, unknown: 0 });
    assert.equal(result.recalledMarks, 20);
    assert.equal(result.refused.isRecallError, true);
    assert.equal(result.refused.kind, 'invalid_input');
    assert.match(result.refused.info, /secretKey/);
    assert.deepEqual(result.invalid, { isError: true, kind: 'invalid_input', info: result.invalid.info });
    assert.match(result.invalid.info, /msgSeqs\[0\]/);
    assert.equal(result.aborted, 'aborted');
    assert.deepEqual(errors, []);

    const inWorker = await page.evaluate(() => new Promise((resolve, reject) => {
      const w = new Worker('/worker.js', { type: 'module' });
      w.onmessage = (m) => { resolve(m.data); w.terminate(); };
      w.onerror = (e) => reject(new Error(e.message));
    }));
    assert.equal(inWorker.refused, true, JSON.stringify(inWorker));
    assert.equal(inWorker.kind, 'invalid_input');
    assert.match(inWorker.info, /secretKey/);

    // init() after a failed load tries again and succeeds.
    const retry = await browser.newPage();
    await retry.goto(`${site.url}retry`);
    const outcome = await retry.evaluate(() => window.libReady);
    assert.ok(outcome && typeof outcome.firstFailed === 'string', JSON.stringify(outcome));
    assert.equal(await retry.evaluate(() => window.lib.callbackAck()), '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
  } finally {
    await browser.close();
    await site.close();
    await emu.stop();
  }
});
