// The built npm package, installed from its tarball and imported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPackage, installedProject } from './install.mjs';

const lib = await importPackage();
const pkgDir = join(installedProject(), 'node_modules', 'chat-recall');

test('exports the contract surface', () => {
  for (const name of ['init', 'initSync', 'RecallError', 'RecallClient', 'generateUserSig', 'verifyUserSig', 'parseCallback', 'callbackAck']) {
    assert.equal(typeof lib[name], 'function', name);
  }
  assert.equal(typeof lib.default, 'function');
});

test('init() is a harmless no-op in Node', async () => {
  await lib.init();
  await lib.default();
  assert.equal(lib.callbackAck(), '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
});

test('package.json has an exports map for browsers, Node and workerd, and types', () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const root = pkg.exports['.'];
  assert.equal(root.types, './index.d.ts');
  assert.equal(root.node, './node.js');
  assert.equal(root.workerd, './workerd.js');
  assert.equal(root.browser, './index.js');
  for (const file of ['index.js', 'node.js', 'workerd.js', 'index.d.ts', 'chat_recall_bg.wasm', 'chat_recall.js', 'recall_error.js']) {
    assert.ok(readFileSync(join(pkgDir, file)).length > 0, file);
  }
  const dts = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8');
  for (const name of ['class RecallError', 'class RecallClient', 'function generateUserSig', 'function verifyUserSig', 'function parseCallback', 'function callbackAck']) {
    assert.ok(dts.includes(name), name);
  }
});

test('RecallError is a real Error subclass with the contract fields', () => {
  const e = new lib.RecallError({ kind: 'not_found', code: 10010, info: 'gone', api: 'group_open_http_svc/group_msg_recall', retryable: false, httpStatus: 200 });
  assert.ok(e instanceof Error);
  assert.ok(e instanceof lib.RecallError);
  assert.equal(e.name, 'RecallError');
  assert.equal(e.message, 'not_found 10010 (group_open_http_svc/group_msg_recall): gone');
  assert.deepEqual({ kind: e.kind, code: e.code, info: e.info, api: e.api, retryable: e.retryable, httpStatus: e.httpStatus },
    { kind: 'not_found', code: 10010, info: 'gone', api: 'group_open_http_svc/group_msg_recall', retryable: false, httpStatus: 200 });
  assert.ok(typeof e.stack === 'string' && e.stack.length > 0);
});

test('errors thrown by the wasm functions are RecallError instances', () => {
  assert.throws(() => lib.generateUserSig({}), (e) => e instanceof lib.RecallError && e instanceof Error && e.kind === 'invalid_input' && /sdkAppId/.test(e.message) && e.code === 0 && e.httpStatus === undefined);
});

const good = { sdkAppId: 1400000000, secretKey: 'key', identifier: 'admin', expireSeconds: 60, now: 1700000000 };

test('bad input to generateUserSig names the field and never poisons the module', () => {
  const cases = [
    [{ sdkAppId: NaN }, 'sdkAppId'], [{ sdkAppId: -5 }, 'sdkAppId'], [{ sdkAppId: 2.5 }, 'sdkAppId'],
    [{ sdkAppId: 2 ** 32 }, 'sdkAppId'], [{ sdkAppId: '1400000000' }, 'sdkAppId'], [{ sdkAppId: undefined }, 'sdkAppId'],
    [{ secretKey: '' }, 'secretKey'], [{ secretKey: 42 }, 'secretKey'], [{ secretKey: 'k'.repeat(1 << 20) }, 'secretKey'],
    [{ identifier: '' }, 'identifier'], [{ identifier: {} }, 'identifier'], [{ identifier: 'a'.repeat(10_000) }, 'identifier'],
    [{ expireSeconds: 0 }, 'expireSeconds'], [{ expireSeconds: -1 }, 'expireSeconds'], [{ expireSeconds: Infinity }, 'expireSeconds'],
    [{ expireSeconds: 1e300 }, 'expireSeconds'], [{ now: -1 }, 'now'], [{ now: NaN }, 'now'], [{ userBuf: 12 }, 'userBuf'],
    [{ userBuf: new Uint8Array(5000) }, 'userBuf'],
  ];
  for (const [over, field] of cases) {
    assert.throws(() => lib.generateUserSig({ ...good, ...over }),
      (e) => e instanceof lib.RecallError && e.kind === 'invalid_input' && e.info.includes(field), JSON.stringify(over)?.slice(0, 80));
  }
  for (const bad of [undefined, null, 1, 'str', [], () => 1]) {
    assert.throws(() => lib.generateUserSig(bad), (e) => e instanceof lib.RecallError && e.kind === 'invalid_input');
  }
  // A throwing getter is reported, not propagated as a foreign exception.
  const hostile = { ...good, get secretKey() { throw new Error('boom'); } };
  assert.throws(() => lib.generateUserSig(hostile), (e) => e instanceof lib.RecallError && e.info.includes('secretKey'));
  // The instance still works after all of that.
  assert.ok(lib.generateUserSig(good).length > 100);
});

test('verifyUserSig refuses garbage as auth errors', () => {
  for (const userSig of ['', 'not-a-sig', '****', 'eJyrVkrOz8lJTU'.repeat(3), 'x'.repeat(9000)]) {
    assert.throws(() => lib.verifyUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'admin', userSig }),
      (e) => e instanceof lib.RecallError && (e.kind === 'auth' || e.kind === 'invalid_input'), userSig.slice(0, 20));
  }
});
