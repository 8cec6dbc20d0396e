// A recall console in a Vite app. The UserSig comes from the server (here the dev server of
// vite.config.js; in production your backend), and requests go through the same-origin
// proxy '/im-proxy': a relative baseUrl, resolved against the page by the client.
import init, { RecallClient, RecallError } from 'chat-recall';

const logEl = /** @type {HTMLElement} */ (document.getElementById('log'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('purge'));
const log = (/** @type {string} */ line) => { logEl.textContent += `${line}\n`; };

await init(); // Vite emits chat_recall_bg.wasm as an asset; init() fetches it

/** @type {{ sdkAppId: number, identifier: string, userSig: string }} */
const { sdkAppId, identifier, userSig } = await (await fetch('/usersig')).json();
const client = new RecallClient({ sdkAppId, identifier, userSig, baseUrl: '/im-proxy' });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const groupId = String(data.get('groupId'));
  const senderAccount = String(data.get('senderAccount'));
  try {
    // The sender's newest messages first, so the operator sees what goes.
    let shown = 0;
    for await (const m of client.groupHistory({ groupId })) {
      if (m.fromAccount !== senderAccount) continue;
      log(`#${m.msgSeq} ${JSON.stringify(m.msgBody)}`);
      if (++shown === 3) break;
    }
    const report = await client.purgeSender({ groupId, senderAccount });
    for (const r of report.results) if (!r.ok) log(`#${r.msgSeq} not recalled: ${r.code} ${r.message}`);
    log(`done ${JSON.stringify({ recalled: report.recalled, failed: report.failed, scanned: report.scanned.messages })}`);
  } catch (e) {
    log(e instanceof RecallError ? `error ${e.kind}: ${e.info}` : `error ${e}`);
  }
});
log('ready');
