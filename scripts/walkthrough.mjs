// The terminal walkthrough (bash scripts/walkthrough.sh): a short, readable recall session
// against the local emulator, through the built npm package (pkg/), the way a moderation
// console's backend would use it.
//   1. start a webhook receiver (verifies Sign with parseCallback, answers callbackAck)
//   2. start the emulator with demo data, pointed at that receiver
//   3. look up history, recall in bulk, by sender, one-to-one; show the webhooks received
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { RecallClient, parseCallback, callbackAck, RecallError } = await import(process.env.CHAT_RECALL_PKG ? join(process.env.CHAT_RECALL_PKG, "node.js") : join(repo, "pkg", "node.js"));

const APP = 1400000000;
const ADMIN = 'administrator';
const SECRET = randomBytes(32).toString('hex'); // lives only in this process and the emulator
const TOKEN = randomBytes(16).toString('hex');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => console.log(s);
const text = (m) => (m.msgBody ?? []).map((e) => e.MsgContent?.Text ?? `[${e.MsgType}]`).join(' ') || '(empty)';

// 1. Webhook receiver.
const webhooks = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      webhooks.push(parseCallback({ url: req.url, body: Buffer.concat(chunks), sdkAppId: APP, token: TOKEN }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(callbackAck());
    } catch (e) {
      say(`  webhook rejected: ${e.message}`);
      res.writeHead(401).end();
    }
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const callbackUrl = `http://127.0.0.1:${receiver.address().port}/im-callback`;

// 2. Emulator.
const emulator = spawn(join(repo, 'target', 'release', 'chat-recall-emulator'), [
  '--listen', '127.0.0.1:0', '--sdkappid', String(APP), '--admin', ADMIN, '--secret-key', SECRET,
  '--seed-demo', '--callback-url', callbackUrl, '--callback-token', TOKEN, '--latency-ms', '20',
], { stdio: ['ignore', 'pipe', 'ignore'] });
const stop = () => { emulator.kill(); receiver.close(); };
process.on('exit', () => emulator.kill());
const baseUrl = await new Promise((resolve, reject) => {
  let out = '';
  emulator.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (\S+)/); if (m) resolve(m[1]); });
  emulator.on('exit', (c) => reject(new Error(`emulator exited with ${c}`)));
});

try {
  say(bold('chat-recall demo') + ` — emulator at ${baseUrl}, webhooks to ${callbackUrl}`);
  const client = new RecallClient({ sdkAppId: APP, identifier: ADMIN, secretKey: SECRET, baseUrl });

  say(bold('\n1. The newest messages of demo-public'));
  const page = await client.getGroupHistory({ groupId: 'demo-public', count: 8 });
  for (const m of page.messages) say(`  #${m.msgSeq}  ${m.fromAccount.padEnd(6)} ${text(m)}`);
  say(`  (next page: beforeSeq ${page.nextBeforeSeq})`);

  say(bold('\n2. Recall 25 of them in one call (batched 10 per request, paced, retried)'));
  const newest = page.messages[0].msgSeq;
  const wanted = [...Array.from({ length: 24 }, (_, i) => newest - i), newest, 999999];
  const report = await client.recallGroupMessages({
    groupId: 'demo-public', msgSeqs: wanted, reason: 'demo moderation',
    onProgress: (p) => say(`  progress: ${p.done}/${p.total} settled, ${p.recalled} recalled, ${p.failed} failed`),
  });
  say(`  asked ${wanted.length} (one duplicate), distinct ${report.requested}: ${report.recalled} recalled, ${report.failed} failed, in ${report.requests} requests (${report.retries} retries)`);
  for (const r of report.results.filter((x) => !x.ok)) say(`  #${r.msgSeq}: code ${r.code} — ${r.message}`);

  say(bold('\n3. The same history with recalled messages marked'));
  const after = await client.getGroupHistory({ groupId: 'demo-public', count: 5, withRecalled: true });
  for (const m of after.messages) say(`  #${m.msgSeq}  ${m.recalled ? 'RECALLED' : text(m)}`);

  say(bold('\n4. Recall everything bob sent in demo-private (last 1,000 messages)'));
  const before = await client.getGroupHistory({ groupId: 'demo-private', count: 20 });
  const bobs = before.messages.filter((m) => m.fromAccount === 'bob').length;
  await client.recallGroupMessagesBySender({ groupId: 'demo-private', senderAccount: 'bob' });
  const left = await client.getGroupHistory({ groupId: 'demo-private', count: 20 });
  say(`  bob had ${bobs} of the newest 20; after: ${left.messages.filter((m) => m.fromAccount === 'bob').length}`);

  say(bold('\n5. One-to-one: find alice↔bob messages and recall one by MsgKey'));
  const roam = await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: Math.floor(Date.now() / 1000) + 60, maxCount: 3 });
  for (const m of roam.messages) say(`  ${m.msgKey}  ${m.fromAccount} → ${m.toAccount}: ${text(m)}`);
  const target = roam.messages[0];
  const first = await client.recallC2CMessage({ fromAccount: target.fromAccount, toAccount: target.toAccount, msgKey: target.msgKey });
  const again = await client.recallC2CMessage({ fromAccount: target.fromAccount, toAccount: target.toAccount, msgKey: target.msgKey });
  say(`  recalled ${target.msgKey}: alreadyRecalled=${first.alreadyRecalled}; again: alreadyRecalled=${again.alreadyRecalled}`);

  say(bold('\n6. Errors are typed and name what was wrong'));
  for (const call of [
    () => client.recallGroupMessages({ groupId: 'no-such-group', msgSeqs: [1, 2] }),
    () => client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1, -5] }),
  ]) {
    const e = await call().catch((x) => x);
    say(`  ${e instanceof RecallError ? 'RecallError' : 'Error'} kind=${e.kind} code=${e.code}: ${e.info}`);
  }

  await new Promise((r) => setTimeout(r, 300));
  say(bold(`\n7. Webhooks received and verified (Sign, RequestTime, SdkAppid): ${webhooks.length}`));
  for (const w of webhooks) {
    say(w.callbackCommand === 'Group.CallbackAfterRecallMsg'
      ? `  ${w.callbackCommand} group=${w.groupId} by=${w.operatorAccount} seqs=[${w.msgSeqs.join(', ')}]`
      : `  ${w.callbackCommand} ${w.fromAccount} → ${w.toAccount} key=${w.msgKey}`);
  }
  say('\ndone.');
} finally {
  stop();
}
