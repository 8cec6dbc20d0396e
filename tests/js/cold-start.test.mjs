// Cold-start pacing (issue 8): 20 fresh processes, one after another, each recalling 2,000
// messages at the default rate against the emulator with its limit at the service's 200/s.
// A burst at the start of a job (connection set-up bunching the first requests with the
// paced stream) would put 201+ arrivals into one of the emulator's seconds: 60007.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './emulator.mjs';
import { recallInFreshProcess } from './cold.mjs';

const KEY = 'cold-secret-key';
const PROCESSES = 20;
const EACH = 2_000;

test('20 fresh processes x 2,000 messages at the default rate: zero 60007', async () => {
  const emu = await startEmulator(['--secret-key', KEY, '--rate-limit', '200', '--seed-group', `cold:Public:${PROCESSES * EACH}`]);
  try {
    const walls = [];
    for (let i = 0; i < PROCESSES; i++) {
      const r = await recallInFreshProcess({ baseUrl: emu.baseUrl, secretKey: KEY, groupId: 'cold', from: i * EACH + 1, to: (i + 1) * EACH });
      assert.equal(r.report.recalled, EACH, JSON.stringify({ ...r.report, results: undefined }));
      walls.push(Math.round(r.wallMs));
      // The emulator's window must empty between jobs, as between real cold starts.
      await new Promise((res) => setTimeout(res, 1100));
    }
    const recall = (await emu.stats()).apis['group_open_http_svc/group_msg_recall'];
    console.error(`[cold-start] walls ms ${walls.join(' ')}; max arrivals in any 1 s: ${recall.max_arrivals_in_any_1s}`);
    assert.equal(recall.rate_limited, 0, `${recall.rate_limited} requests got 60007`);
    assert.equal(recall.requests, PROCESSES * EACH / 10);
    assert.ok(recall.max_arrivals_in_any_1s <= 200);
  } finally { await emu.stop(); }
});
