// The package in Cloudflare's real runtime: workerd, run locally by `wrangler dev --local`.
// A Worker project inside the consumer project (chat-recall installed from its tarball)
// imports `chat-recall` by name, so wrangler's bundler follows the exports map's `workerd`
// condition; no nodejs_compat. Through HTTP requests to the Worker: UserSig round trip,
// the webhook reference vector, RecallClient against the emulator (history, recall, a paced
// bulk recall), RecallError identity, and startup/instantiation timings (printed as JSON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { importPackage, installedProject } from './install.mjs';
import { startEmulator } from './emulator.mjs';
import { startWrangler } from './workerd-harness.mjs';

const lib = await importPackage();
const APP = 1400000000;
const KEY = 'workerd-test-key';
const BULK = 'workerd-bulk';
const PACED = 'workerd-paced';
const TOKEN = 'workerd-callback-token';

/**
 * Two Workers inside the consumer project, so 'chat-recall' resolves from its node_modules:
 * main/ (the test routes) and readme/ (the README's example, bound to main as README).
 */
function workerProject(vars) {
  const root = join(installedProject(), `workers-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  const worker = (name, files, config) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [from, to] of Object.entries(files)) copyFileSync(new URL(from, import.meta.url), join(dir, to));
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ main: 'index.js', compatibility_date: '2025-01-01', ...config }, null, 2));
    return dir;
  };
  worker('readme', { './workerd-readme-worker.mjs': 'index.js' },
    { name: 'chat-recall-readme', vars: { SDK_APP_ID: String(APP), CALLBACK_TOKEN: TOKEN } });
  const main = worker('main', { './workerd-worker.mjs': 'index.js', './workerd-clock.mjs': 'workerd-clock.mjs' },
    { name: 'chat-recall-workerd-test', vars, services: [{ binding: 'README', service: 'chat-recall-readme' }] });
  return { root, main, configs: ['wrangler.json', '../readme/wrangler.json'] };
}

test('chat-recall in workerd (wrangler dev --local): UserSig, webhooks, RecallClient, RecallError', { timeout: 60_000 }, async (t) => {
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo',
    '--seed-group', `${BULK}:Public:50`, '--seed-group', `${PACED}:Public:50`]);
  let project;
  let wr;
  const metrics = {};
  try {
    project = workerProject({ EMULATOR_URL: emu.baseUrl, SECRET_KEY: KEY, SDK_APP_ID: String(APP) });
    wr = await startWrangler(project.main, { configs: project.configs, readyPath: '/boot', timeoutMs: 30_000 });
    metrics.wranglerReadyMs = Math.round(wr.readyMs);
    metrics.firstResponseMs = Math.round(wr.firstResponseMs);
    metrics.firstRequestMs = +wr.first.ms.toFixed(1);
    const call = async (method, path, body, headers = {}) => {
      const s = performance.now();
      const res = await fetch(`${wr.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
      const text = await res.text();
      (metrics.requestMs ??= {})[`${method} ${path.split('?')[0]}`] = +(performance.now() - s).toFixed(1);
      return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
    };

    await t.test('wrangler bundles the package without a warning (its glue once had a duplicate import key)', () => {
      assert.deepEqual(wr.warnings(), []);
    });

    await t.test('the module-level initSync ran: the first request works without init()', () => {
      assert.equal(wr.first.status, 200, wr.first.body);
      const boot = JSON.parse(wr.first.body);
      assert.equal(boot.firstRequest, true);
      assert.ok(boot.sigLength > 100);
      assert.equal(boot.ack, lib.callbackAck());
      assert.equal(boot.recallErrorIsError, true);
      // Plain workerd: no Node globals, but the web ones the package needs.
      assert.equal(boot.globals.process, 'undefined');
      assert.equal(boot.globals.window, 'undefined');
      assert.deepEqual([boot.globals.setTimeout, boot.globals.AbortController, boot.globals.fetch, boot.globals.getRandomValues], ['function', 'function', 'function', 'function']);
      assert.equal(boot.globals.userAgent, 'Cloudflare-Workers');
    });

    await t.test('generateUserSig / verifyUserSig round trip, byte-identical to Node', async () => {
      const args = { sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 3600, now: 1700000000, userBuf: 'abc' };
      const r = await call('POST', '/usersig', args);
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const out = r.json();
      assert.equal(out.userSig, lib.generateUserSig(args));
      assert.equal(out.info.time, 1700000000);
      assert.equal(out.info.expire, 3600);
      assert.equal(out.info.expiresAt, 1700003600);
      assert.equal(out.wrongKey.threw, true);
      assert.equal(out.wrongKey.isRecallError, true);
      assert.equal(out.wrongKey.kind, 'auth');
    });

    await t.test('parseCallback verifies the reference Sign vector; callbackAck is the exact answer', async () => {
      const query = 'SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=IOS';
      const sign = '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061';
      const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: '1213456', MsgSeqList: [{ MsgSeq: 130 }], EventTime: 1669872112000 });
      const ok = await call('POST', `/callback?${query}&Sign=${sign}&RequestTime=1669872112`, body, { 'x-token': 'xxxxyyyy', 'x-now': '1669872112' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.text, '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
      assert.equal(ok.text, lib.callbackAck());
      const event = JSON.parse(ok.headers.get('x-event'));
      assert.equal(event.callbackCommand, 'Group.CallbackAfterRecallMsg');
      assert.equal(event.groupId, '1213456');
      assert.deepEqual(event.msgSeqs, [130]);
      assert.equal(event.optPlatform, 'iOS');
      // One wrong hex digit, or a stale RequestTime: refused as auth errors.
      const bad = await call('POST', `/callback?${query}&Sign=${sign.replace(/1$/, '2')}&RequestTime=1669872112`, body, { 'x-token': 'xxxxyyyy', 'x-now': '1669872112' });
      assert.equal(bad.status, 401);
      assert.equal(bad.json().isRecallError, true);
      assert.equal(bad.json().kind, 'auth');
      const stale = await call('POST', `/callback?${query}&Sign=${sign}&RequestTime=1669872112`, body, { 'x-token': 'xxxxyyyy', 'x-now': String(1669872112 + 61) });
      assert.equal(stale.status, 401);
      assert.equal(stale.json().kind, 'auth');
    });

    await t.test('the README\'s Worker (only verifyCallbackRequest, callbackAck and RecallError imported) works as written', async () => {
      const requestTime = String(Math.floor(Date.now() / 1000));
      const sign = createHash('sha256').update(TOKEN + requestTime).digest('hex');
      const query = `SdkAppid=${APP}&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&Sign=${sign}&RequestTime=${requestTime}`;
      const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'administrator', Type: 'Public', GroupId: 'g1', MsgSeqList: [{ MsgSeq: 7 }, { MsgSeq: 8 }], EventTime: Date.now() });
      const r = await call('POST', `/readme/callback?${query}`, body);
      assert.equal(r.status, 200, r.text.slice(0, 400));
      assert.equal(r.text, lib.callbackAck());
      const event = JSON.parse(r.headers.get('x-event'));
      assert.equal(event.groupId, 'g1');
      assert.deepEqual(event.msgSeqs, [7, 8]);
      // A forged Sign is answered 401 with a JSON body, not a 500.
      const forged = await call('POST', `/readme/callback?${query.replace(sign, sign.replace(/.$/, (c) => (c === '0' ? '1' : '0')))}`, body);
      assert.equal(forged.status, 401, forged.text.slice(0, 400));
      assert.equal(forged.json().error, 'auth');
    });

    await t.test('RecallClient in the Worker: history of demo-public, then recall those seqs', async () => {
      const r = await call('POST', '/recall', { groupId: 'demo-public' });
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const { seqs, report, progress, recalledMarks } = r.json();
      assert.ok(seqs.length >= 1 && seqs.length <= 20, `seqs: ${seqs}`);
      assert.equal(report.groupId, 'demo-public');
      assert.equal(report.requested, seqs.length + 1);
      assert.equal(report.recalled, seqs.length);
      assert.equal(report.failed, 1);
      assert.equal(report.requests, Math.ceil((seqs.length + 1) / 10));
      assert.deepEqual(report.results.map((x) => x.msgSeq), [...seqs, 999999]);
      assert.ok(report.results.slice(0, -1).every((x) => x.ok && x.code === 0));
      assert.deepEqual(report.results.at(-1), { msgSeq: 999999, ok: false, outcome: 'failed', code: 10030, message: 'the message does not exist', attempts: 1 });
      assert.deepEqual(progress.at(-1), { done: seqs.length + 1, total: seqs.length + 1, recalled: seqs.length, failed: 1, notSent: 0, unknown: 0 });
      assert.equal(recalledMarks, seqs.length);
    });

    await t.test('bulk recall of 50 messages (5 requests) completes inside workerd', async () => {
      const r = await call('POST', '/bulk', { groupId: BULK, count: 50 });
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const { report, workerElapsedMs } = r.json();
      assert.equal(report.requested, 50);
      assert.equal(report.recalled, 50);
      assert.equal(report.requests, 5);
      assert.equal(report.retries, 0);
      metrics.bulk50 = { requestMs: metrics.requestMs['POST /bulk'], workerElapsedMs };
    });

    await t.test('the pacer sleeps for real in workerd: 50 messages at 10 requests/s are spaced ~100 ms', async () => {
      const s = performance.now();
      const r = await call('POST', '/bulk', { groupId: PACED, count: 50, maxRequestsPerSecond: 10 });
      const wall = performance.now() - s;
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const { report, workerElapsedMs } = r.json();
      assert.equal(report.recalled, 50);
      assert.equal(report.requests, 5);
      const log = await (await fetch(`${emu.baseUrl}/_emulator/requests?api=group_open_http_svc/group_msg_recall`)).json();
      const paced = log.requests.filter((q) => q.params?.usersig && q.status === 200).slice(-5).map((q) => q.arrival_ms);
      assert.equal(paced.length, 5);
      const gaps = paced.slice(1).map((a, i) => a - paced[i]);
      // Evenly paced: every gap near 100 ms (a little jitter from the loopback allowed).
      assert.ok(gaps.every((g) => g >= 80), `gaps ${gaps}`);
      assert.ok(wall >= 380, `wall ${wall}`);
      assert.ok(workerElapsedMs >= 380, `worker clock ${workerElapsedMs}`);
      assert.ok(log.requests.slice(-5).every((q) => q.usersig_ok === true));
      metrics.paced50at10 = { gapsMs: gaps, workerElapsedMs, wallMs: Math.round(wall) };
    });

    await t.test('errors thrown inside the Worker are RecallError instances with the right kind', async () => {
      const r = await call('GET', '/errors');
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const e = r.json();
      for (const [name, kind] of Object.entries({ badSdkAppId: 'invalid_input', noCredentials: 'invalid_input', badMsgSeq: 'invalid_input', badCallbackBody: 'invalid_input', aborted: 'aborted', wrongKey: 'auth', notFound: 'not_found', network: 'network' })) {
        assert.equal(e[name].threw, true, name);
        assert.equal(e[name].isRecallError, true, `${name}: ${JSON.stringify(e[name])}`);
        assert.equal(e[name].isError, true, name);
        assert.equal(e[name].name, 'RecallError', name);
        assert.equal(e[name].kind, kind, `${name}: ${JSON.stringify(e[name])}`);
        assert.equal(e[name].hasStack, true, name);
      }
      assert.match(e.badMsgSeq.info, /msgSeqs\[1\]/);
      assert.match(e.badSdkAppId.info, /sdkAppId/);
      assert.equal(e.wrongKey.api, 'group_open_http_svc/group_msg_get_simple');
      assert.ok(e.wrongKey.code > 0);
      assert.equal(e.notFound.code, 10010);
    });

    await t.test('instantiation of the package\'s wasm module inside workerd', async () => {
      const r = await call('GET', '/instantiate?n=20');
      assert.equal(r.status, 200, r.text.slice(0, 400));
      const m = r.json();
      metrics.workerdClockFrozen = m.clockFrozen;
      metrics.workerdInstantiateMs = +m.perInstanceMs.toFixed(3);
      // The package's evaluation on import (glue + initSync), when workerd's clock shows it
      // (it stands still during global scope evaluation, so usually it cannot).
      metrics.workerdModuleEvalMs = m.moduleEvalMs > 0 ? +m.moduleEvalMs.toFixed(3) : null;
      assert.ok(m.perInstanceMs < 5, `instantiation ${m.perInstanceMs} ms`);
      assert.ok(m.moduleEvalMs < 5, `package module evaluation ${m.moduleEvalMs} ms`);
    });

    // Nothing went wrong on the workerd side.
    assert.doesNotMatch(wr.output(), /\[wrangler:error\]|Uncaught|✘/, wr.output());
  } finally {
    if (wr) await wr.stop();
    await emu.stop();
    if (project) rmSync(project.root, { recursive: true, force: true });
    console.log(`workerd metrics ${JSON.stringify(metrics)}`);
  }
});
