// The JS boundary against hostile values in headless Chromium (the browser entry, `await
// init()`): throwing getters, revoked Proxies, detached buffers, a generator that throws
// mid-way, an endless iterable, a polluted Object.prototype, size checks before copying (wasm
// memory unchanged), async methods that never throw synchronously, and verifyCallbackRequest
// on the browser's own Request and ReadableStream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';
import { createRequire } from 'node:module';
import { installedProject, repo } from './install.mjs';

const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

// Runs in the page; returns what it found, the test asserts on it.
const PAGE_SCRIPT = `
const memory = () => wasm.memory.buffer.byteLength;
const { RecallClient, RecallError } = lib;
const APP = 1400000000;
const good = { sdkAppId: APP, secretKey: 'k', identifier: 'admin', expireSeconds: 60, now: 1700000000 };
const out = { cases: {}, syncThrows: [] };
const named = (e, field) => e instanceof RecallError && e.kind === 'invalid_input' && e.info.includes(field);
const { proxy: revoked, revoke } = Proxy.revocable({}, {}); revoke();
const detached = new ArrayBuffer(8); structuredClone(detached, { transfer: [detached] });
function* midway() { yield 1; throw new Error('boom'); }
const sync = [
  ['getter', () => lib.generateUserSig({ ...good, get identifier() { throw new Error('x'); } }), 'identifier'],
  ['revoked field', () => lib.generateUserSig({ ...good, userBuf: revoked }), 'userBuf'],
  ['detached', () => lib.generateUserSig({ ...good, userBuf: detached }), 'userBuf'],
  ['detached body', () => lib.parseCallback({ url: '/cb', body: detached, sdkAppId: APP, allowUnsigned: true }), 'body'],
  ['no token', () => lib.parseCallback({ url: '/cb', body: '{}', sdkAppId: APP }), 'token'],
];
for (let round = 0; round < 2000; round++) {
  for (const [label, f, field] of sync) {
    try { f(); out.cases[label] = 'did not throw'; } catch (e) { if (round === 0) out.cases[label] = named(e, field); else if (!(e instanceof RecallError)) out.cases[label] = 'raw ' + e; }
  }
}
const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', fetch: () => { throw new Error('nothing may be sent'); } });
for (const [label, args, field] of [['generator', { groupId: 'g', msgSeqs: midway() }, 'msgSeqs'], ['revoked', revoked, 'sdkAppId'],
  ['endless', { groupId: 'g', msgSeqs: (function* () { for (let i = 1; ; i++) yield i; })() }, 'msgSeqs']]) {
  let p;
  try { p = client.recallGroupMessages(args); } catch (e) { out.syncThrows.push(label); continue; }
  out.cases[label] = await p.then(() => 'resolved', (e) => named(e, label === 'revoked' ? 'groupId' : field) || e.info);
}
const before = memory();
const big = 'x'.repeat(10 * 1024 * 1024);
try { lib.parseCallback({ url: '/cb', body: big, sdkAppId: APP, token: 't' }); } catch (e) { out.cases.bigBody = named(e, 'body'); }
try { lib.verifyUserSig({ sdkAppId: APP, secretKey: 'k', identifier: 'a', userSig: 'A'.repeat(100 * 1024 * 1024) }); } catch (e) { out.cases.bigSig = named(e, 'userSig'); }
out.memoryGrew = memory() - before;
Object.prototype.allowUnsigned = true; Object.prototype.token = 'evil';
try { lib.parseCallback({ url: '/cb?SdkAppid=' + APP, body: '{}', sdkAppId: APP }); out.cases.polluted = 'accepted'; } catch (e) { out.cases.polluted = named(e, 'token'); }
delete Object.prototype.allowUnsigned; delete Object.prototype.token;
const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', GroupId: 'g', MsgSeqList: [{ MsgSeq: 3 }] });
const ev = await lib.verifyCallbackRequest(new Request(location.origin + '/cb?SdkAppid=' + APP, { method: 'POST', body }), { sdkAppId: APP, allowUnsigned: true });
out.cases.request = ev.groupId === 'g' && ev.msgSeqs[0] === 3;
const endless = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(4096)); } });
out.cases.streamLimit = await lib.verifyCallbackRequest(new Request(location.origin + '/cb', { method: 'POST', body: endless, duplex: 'half' }), { sdkAppId: APP, allowUnsigned: true })
  .then(() => 'accepted', (e) => named(e, 'body'));
out.cases.method = await lib.verifyCallbackRequest(new Request(location.origin + '/cb'), { sdkAppId: APP, allowUnsigned: true }).then(() => 'accepted', (e) => named(e, 'method'));
out.valid = lib.generateUserSig(good).length > 100;
return out;`;

async function startSite() {
  const root = installedProject();
  const pkgJson = JSON.parse(readFileSync(join(root, 'node_modules/chat-recall/package.json'), 'utf8'));
  const browserEntry = pkgJson.exports['.'].browser.replace(/^\.\//, '');
  const page = `<!doctype html><meta charset="utf-8"><title>boundary</title>
<script type="importmap">{"imports":{"chat-recall":"/node_modules/chat-recall/${browserEntry}"}}</script>
<script type="module">
  import init, * as lib from 'chat-recall';
  // The glue module the entry uses (same URL, same instance): its exports hold the memory.
  window.result = init().then(() => import('/node_modules/chat-recall/chat_recall.js'))
    .then((glue) => (async (lib, wasm) => { ${PAGE_SCRIPT} })(lib, glue.initSync({ module: new Uint8Array(0) })));
</script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

test('the boundary holds against hostile values in headless Chromium', async () => {
  const site = await startSite();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--headless', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(site.url);
    const out = await page.evaluate(() => window.result);
    assert.deepEqual(out.syncThrows, [], 'async methods threw synchronously');
    for (const [label, ok] of Object.entries(out.cases)) assert.equal(ok, true, label);
    assert.deepEqual(Object.keys(out.cases).sort(), ['bigBody', 'bigSig', 'detached', 'detached body', 'endless', 'generator', 'getter', 'method', 'no token', 'polluted', 'request', 'revoked', 'revoked field', 'streamLimit'].sort());
    assert.equal(out.memoryGrew, 0, 'wasm memory grew for oversized input');
    assert.equal(out.valid, true);
  } finally {
    await browser.close();
    await site.close();
  }
});
