// UserSig: our implementation against Tencent's own Node library (npm `tls-sig-api-v2`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { importPackage, repo } from './install.mjs';

const require = createRequire(`${repo}/package.json`);
const TLSSigAPIv2 = require('tls-sig-api-v2');
const lib = await importPackage();

const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const APP = 1400000000;

function decode(userSig) {
  const b64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
}

/** Run the official generator at a fixed clock. */
function officialAt(nowSeconds, fn) {
  const realNow = Date.now;
  Date.now = () => nowSeconds * 1000;
  try { return fn(new TLSSigAPIv2.Api(APP, KEY)); } finally { Date.now = realNow; }
}

test('reference vector through the package', () => {
  const sig = lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'xiaojun', expireSeconds: 15552000, now: 1700000000 });
  assert.equal(decode(sig)['TLS.sig'], 'LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=');
});

const identifiers = ['xiaojun', 'administrator', 'user_1-2', 'a', 'x'.repeat(32), '用户'];

test('UserSigs from the official library verify with ours', () => {
  for (const id of identifiers) {
    for (const expire of [1, 86400, 15552000]) {
      const theirs = officialAt(1700000000, (api) => api.genUserSig(id, expire));
      const info = lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: id, userSig: theirs, now: 1700000000 });
      assert.deepEqual(info, { time: 1700000000, expire, expiresAt: 1700000000 + expire });
    }
  }
});

test('official UserSigs with userbuf verify and return the bytes', () => {
  const buf = Buffer.from([0, 1, 2, 250, 255, 65]);
  const theirs = officialAt(1700000000, (api) => api.genSig('xiaojun', 3600, buf));
  const info = lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'xiaojun', userSig: theirs, now: 1700000100 });
  assert.deepEqual(Buffer.from(info.userBuf), buf);
});

test('ours decode to the same TLS.sig the official library computes', () => {
  for (const id of identifiers) {
    for (const [now, expire] of [[1700000000, 15552000], [1, 1], [4102444800, 86400]]) {
      const theirs = decode(officialAt(now, (api) => api.genUserSig(id, expire)));
      const ours = decode(lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: id, expireSeconds: expire, now }));
      assert.equal(ours['TLS.sig'], theirs['TLS.sig'], `${id} ${now} ${expire}`);
      for (const field of ['TLS.ver', 'TLS.identifier', 'TLS.sdkappid', 'TLS.time', 'TLS.expire']) {
        assert.equal(ours[field], theirs[field], field);
      }
    }
  }
  const buf = Buffer.from('room=42;role=admin');
  const theirs = decode(officialAt(1700000000, (api) => api.genSig('xiaojun', 600, buf)));
  const ours = decode(lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'xiaojun', expireSeconds: 600, now: 1700000000, userBuf: buf }));
  assert.equal(ours['TLS.sig'], theirs['TLS.sig']);
  assert.equal(ours['TLS.userbuf'], theirs['TLS.userbuf']);
});

test('a UserSig from the official library with another key, appid or identifier is refused', () => {
  const theirs = officialAt(1700000000, (api) => api.genUserSig('xiaojun', 86400));
  const check = (over) => () => lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'xiaojun', userSig: theirs, now: 1700000000, ...over });
  for (const over of [{ secretKey: 'other' }, { sdkAppId: APP + 1 }, { identifier: 'someone' }, { now: 1700000000 + 86401 }]) {
    assert.throws(check(over), (e) => e instanceof lib.RecallError && e.kind === 'auth');
  }
});

// The second official peer: Tencent's Python library (PyPI tls-sig-api-v2), installed by
// scripts/setup.sh into .tools/py. It writes JSON with spaces and \u escapes, and compresses.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function pythonSigs(cases) {
  const script = `
import json, sys, time
import TLSSigAPIv2
out = []
for c in json.loads(sys.argv[1]):
    time.time = lambda: c["now"]
    api = TLSSigAPIv2.TLSSigAPIv2(c["app"], c["key"])
    if c.get("userbuf") is not None:
        out.append(api.gen_sig_with_userbuf(c["id"], c["expire"], bytes(c["userbuf"])))
    else:
        out.append(api.gen_sig(c["id"], c["expire"]))
print(json.dumps(out))`;
  return JSON.parse(execFileSync(join(repo, '.tools', 'py', 'bin', 'python'), ['-c', script, JSON.stringify(cases)]).toString());
}

test('UserSigs from the official Python library verify with ours and carry the same TLS.sig', () => {
  const cases = [];
  for (const id of identifiers) {
    for (const [now, expire] of [[1700000000, 15552000], [1, 1], [4102444800, 86400]]) cases.push({ app: APP, key: KEY, id, now, expire });
  }
  cases.push({ app: APP, key: KEY, id: 'xiaojun', now: 1700000000, expire: 600, userbuf: [0, 1, 2, 200, 255] });
  const sigs = pythonSigs(cases);
  cases.forEach((c, i) => {
    const info = lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: c.id, userSig: sigs[i], now: c.now });
    assert.equal(info.expiresAt, c.now + c.expire);
    if (c.userbuf) assert.deepEqual([...info.userBuf], c.userbuf);
    const ours = lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: c.id, expireSeconds: c.expire, now: c.now, userBuf: c.userbuf && new Uint8Array(c.userbuf) });
    assert.equal(decode(ours)['TLS.sig'], decode(sigs[i])['TLS.sig'], `${c.id} ${c.now}`);
  });
  // Tampering with any of them is detected.
  assert.throws(() => lib.verifyUserSig({ sdkAppId: APP, secretKey: `${KEY}x`, identifier: cases[0].id, userSig: sigs[0], now: cases[0].now }),
    (e) => e instanceof lib.RecallError && e.kind === 'auth');
});
