// Deliberate mistakes that `tsc --strict` must reject against the package's declarations,
// each marked `// @ts-expect-error [word] why`: tests/js/dx-types.test.mjs compiles this file
// as is (every directive must be used: a mistake that compiles fails there), then with the
// directives removed, where each marked line must fail for the reason its word names.
// Lines without a directive are correct usage that must keep compiling.
import { RecallClient } from 'chat-recall';
import type { GroupHistoryPage, PurgeProgress, RecallClientOptions } from 'chat-recall';

declare const userSig: string;
declare const fromEnv: string | undefined;

export async function mistakes(): Promise<void> {
  // @ts-expect-error [userSig] neither userSig nor secretKey
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', region: 'singapore' });
  // @ts-expect-error [baseUrl] region together with baseUrl
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, region: 'singapore', baseUrl: 'https://example.test' });
  // @ts-expect-error [secretKey] userSig and secretKey together: give one
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, secretKey: 'k' });
  // @ts-expect-error [retries] unknown option name (it is maxRetries)
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, retries: 3 });
  // @ts-expect-error [timeout] unknown option name (it is timeoutMs)
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, timeout: 5000 });
  // @ts-expect-error [undefined] process.env is string | undefined: check it first
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: fromEnv });
  // @ts-expect-error [mars] unknown region
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, region: 'mars' });
  // @ts-expect-error [maxRetries] maxRetries is a number
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, maxRetries: '3' });
  // @ts-expect-error [baseUrl] a baseUrl is a string, not a URL object
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, baseUrl: new URL('https://example.test') });

  // Correct: `using` frees the client at the end of the scope.
  using client = new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, baseUrl: '/im-proxy' });
  const options: RecallClientOptions = { sdkAppId: 1, identifier: 'a', secretKey: 'k', region: 'usa', maxRetries: 1, timeoutMs: 1000 };
  void options;

  // @ts-expect-error [senderAccount] purgeSender needs the sender
  await client.purgeSender({ groupId: 'g' });
  // @ts-expect-error [since] since is unix seconds, not a Date
  await client.purgeSender({ groupId: 'g', senderAccount: 'u', since: new Date() });
  const progress: PurgeProgress[] = [];
  await client.purgeSender({ groupId: 'g', senderAccount: 'u', since: 1700000000, onProgress: (p) => {
    progress.push(p);
    if (p.phase === 'recall') void p.done; else void p.found;
  } });
  // @ts-expect-error [done] only recall-phase progress has done: narrow on phase
  await client.purgeSender({ groupId: 'g', senderAccount: 'u', onProgress: (p) => void p.done });
  const purged = await client.purgeSender({ groupId: 'g', senderAccount: 'u' });
  void [purged.recalled, purged.scanned.pages, purged.scanned.messages, purged.senderAccount];

  // @ts-expect-error [recalled] the by-sender call reports no counts (use purgeSender)
  void (await client.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' })).recalled;

  for await (const m of client.groupHistory({ groupId: 'g', withRecalled: true })) void [m.msgSeq, m.recalled];
  for await (const m of client.c2cHistory({ operatorAccount: 'a', peerAccount: 'b', minTime: 0, maxTime: 1 })) void m.msgKey;
  // @ts-expect-error [GroupHistoryPage] groupHistory is an async iterator, not a page
  const page: GroupHistoryPage = await client.groupHistory({ groupId: 'g' });
  void page;
  // @ts-expect-error [minTime] c2cHistory needs minTime
  client.c2cHistory({ operatorAccount: 'a', peerAccount: 'b', maxTime: 1 });
}
