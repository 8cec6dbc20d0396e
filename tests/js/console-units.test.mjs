// The console's pure modules in Node: MsgSeq range parsing (what a moderator pastes), CSV
// export (quoting, spreadsheet formula defusing) and error explanations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeqRanges, parseList, MAX_SEQS } from '../../www/js/ranges.js';
import { toCsv } from '../../www/js/csv.js';
import { explain, ApiError } from '../../www/js/errors.js';
import { meaning } from '../../www/js/codes.js';

test('ranges: lists and ranges, any separator, duplicates once in first-seen order', () => {
  const seqs = parseSeqRanges('100-250, 300');
  assert.equal(seqs.length, 152);
  assert.deepEqual([seqs[0], seqs[150], seqs[151]], [100, 250, 300]);
  assert.deepEqual(parseSeqRanges('5\n3-4;5 3  1-2'), [5, 3, 4, 1, 2]);
  assert.deepEqual(parseSeqRanges('7-7'), [7]);
});

test('ranges: each mistake names the item to fix', () => {
  assert.throws(() => parseSeqRanges('  '), /at least one MsgSeq/);
  assert.throws(() => parseSeqRanges('100-250, 3x0'), /"3x0" is not a MsgSeq/);
  assert.throws(() => parseSeqRanges('250-100'), /"250-100": the range ends before it starts/);
  assert.throws(() => parseSeqRanges('0'), /"0": a MsgSeq is a whole number from 1 up/);
  assert.throws(() => parseSeqRanges('-5'), /"-5" is not a MsgSeq/);
  assert.throws(() => parseSeqRanges('99999999999999999999'), /whole number/);
  assert.throws(() => parseSeqRanges(`1-${MAX_SEQS + 1}`), /more than 1,000,000 MsgSeqs/);
  assert.deepEqual(parseList('g1, g2\ng1'), ['g1', 'g2']);
});

test('CSV: RFC 4180 quoting, one line per row, spreadsheet formulas defused', () => {
  const csv = toCsv(['msgSeq', 'ok', 'message'], [[1, true, 'OK'], [2, false, 'says "no", twice\nreally'], [3, false, '=HYPERLINK("x")'], [4, false, -1]]);
  assert.equal(csv, 'msgSeq,ok,message\r\n1,true,OK\r\n2,false,"says ""no"", twice\nreally"\r\n3,false,"\'=HYPERLINK(""x"")"\r\n4,false,-1\r\n');
});

test('errors: what failed, why, and what to do, without echoing credentials', () => {
  const sig = explain({ kind: 'auth', code: 70009, info: 'signature check failed' }, { action: 'Connecting', mode: 'direct' });
  assert.equal(sig.title, 'Connecting failed');
  assert.match(sig.why, /UserSig.*not made with this app's secret key.*70009/);
  assert.match(sig.todo, /fresh UserSig/);
  assert.match(explain({ kind: 'auth', code: 70014 }, { action: 'Connecting', sdkAppId: 1400000001 }).why, /another SDKAppID than 1400000001/);
  assert.match(explain({ kind: 'auth', code: 70020 }, { action: 'Connecting' }).todo, /region/);
  assert.match(explain({ kind: 'rate_limited', code: 60007 }, { action: 'Recalling' }).todo, /Wait/);
  assert.match(explain({ kind: 'network', info: 'Failed to fetch' }, { action: 'Loading', target: 'http://h' }).why, /Could not reach the service at http:\/\/h/);
  const down = explain(new ApiError({ kind: 'unreachable', worker: true, url: 'http://w', info: 'connection refused' }), { action: 'Loading', target: 'http://w' });
  assert.match(down.why, /Worker at http:\/\/w does not answer/);
  assert.match(down.todo, /Worker is running/);
  const token = explain(new ApiError({ kind: 'auth', httpStatus: 401, worker: true }), { action: 'Connecting' });
  assert.match(token.why, /refused the admin token/);
  assert.equal(meaning(10030), 'No message with this MsgSeq.');
  assert.equal(meaning(99999, 'odd'), 'odd');
});
