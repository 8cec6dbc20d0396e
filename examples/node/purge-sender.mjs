// Recall everything one sender wrote in a group, from Node (server side: the secret key may
// live here). Run it against the local emulator, no Tencent account needed:
//
//   cargo run --release -p chat-recall-emulator -- --secret-key dev-key --seed-demo
//   CHAT_RECALL_BASE_URL=http://127.0.0.1:9000 TENCENT_SECRET_KEY=dev-key \
//     node purge-sender.mjs demo-public bob
//
// Against the real service leave CHAT_RECALL_BASE_URL unset and set TENCENT_REGION
// (e.g. singapore), TENCENT_SDK_APP_ID and TENCENT_SECRET_KEY.
import { RecallClient, RecallError } from 'chat-recall';

const [groupId, senderAccount] = process.argv.slice(2);
const secretKey = process.env.TENCENT_SECRET_KEY;
if (!groupId || !senderAccount || !secretKey) {
  console.error('usage: TENCENT_SECRET_KEY=... node purge-sender.mjs GROUP_ID SENDER_ACCOUNT');
  process.exit(2);
}
const baseUrl = process.env.CHAT_RECALL_BASE_URL;
const region = /** @type {import('chat-recall').Region} */ (process.env.TENCENT_REGION ?? 'china');

const client = new RecallClient({
  sdkAppId: Number(process.env.TENCENT_SDK_APP_ID ?? 1400000000),
  identifier: process.env.TENCENT_ADMIN ?? 'administrator',
  secretKey,
  ...(baseUrl ? { baseUrl } : { region }),
});

try {
  // What the sender wrote most recently (the iterator pages through the whole history).
  let shown = 0;
  for await (const m of client.groupHistory({ groupId })) {
    if (m.fromAccount !== senderAccount) continue;
    console.log(`found #${m.msgSeq} at ${new Date(m.msgTimeStamp * 1000).toISOString()}`);
    if (++shown === 3) break;
  }

  const report = await client.purgeSender({
    groupId,
    senderAccount,
    onProgress: (p) => {
      if (p.phase === 'recall' && p.done === p.total) console.log(`recall: ${p.recalled} recalled, ${p.failed} failed`);
    },
  });
  console.log(`scanned ${report.scanned.messages} messages in ${report.scanned.pages} pages`);
  for (const r of report.results) if (!r.ok) console.log(`#${r.msgSeq} not recalled: ${r.code} ${r.message}`);
  console.log(JSON.stringify({ requested: report.requested, recalled: report.recalled, failed: report.failed }));
  process.exitCode = report.failed === 0 ? 0 : 1;
} catch (e) {
  // Bad input, a missing group, an abort: one RecallError saying what and where.
  if (!(e instanceof RecallError)) throw e;
  console.error(`${e.kind}: ${e.info}`);
  process.exitCode = 1;
} finally {
  client.free();
}
