// One-to-one view: the messages between two accounts in a period, each recallable by its
// MsgKey; or a MsgKey pasted by hand. "Already recalled" counts as done.
import { $, h, fillRows, skeletonRows, fmtTime, bodyText } from './dom.js';

export function setupC2CView(ctx) {
  const tbody = $('#c2c-table tbody');
  const d = ctx.config.defaults ?? {};
  if (d.c2cAccount) $('#c2c-a').value = d.c2cAccount;
  if (d.c2cPeer) $('#c2c-b').value = d.c2cPeer;
  let last = null;

  async function recall(from, to, msgKey) {
    if (!(await ctx.confirm('Recall this one-to-one message?', `From ${from} to ${to}, MsgKey ${msgKey}.`))) return null;
    try {
      const r = await ctx.backend.recallC2C({ fromAccount: from, toAccount: to, msgKey });
      ctx.clearError();
      return r;
    } catch (e) {
      ctx.showError(e, `Recalling MsgKey ${msgKey}`);
      return null;
    }
  }

  async function lookup(a, b, seconds) {
    if (!ctx.backend) { ctx.showError({ kind: 'invalid_input', info: 'Not connected: connect first in the Connection tab' }, 'Looking up'); return; }
    last = { a, b, seconds };
    skeletonRows(tbody, 6, 6);
    const maxTime = Math.floor(Date.now() / 1000);
    try {
      const page = await ctx.backend.c2cHistory({ operatorAccount: a, peerAccount: b, minTime: maxTime - seconds, maxTime, maxCount: 100 });
      ctx.clearError();
      const msgs = [...(page.messages ?? [])].sort((x, y) => y.msgTimeStamp - x.msgTimeStamp);
      fillRows(tbody, msgs.map((m) => h('tr', { class: m.recalled ? 'recalled' : undefined, 'data-key': m.msgKey },
        h('td', { class: 'num hide-narrow' }, fmtTime(m.msgTimeStamp)),
        h('td', {}, `${m.fromAccount} → ${m.toAccount}`),
        h('td', { class: 'msg' }, m.recalled ? 'Message recalled' : bodyText(m.msgBody)),
        h('td', { class: 'num hide-narrow' }, h('code', {}, m.msgKey)),
        h('td', {}, h('span', { class: `state ${m.recalled ? 'recalled' : ''}` }, m.recalled ? 'recalled' : 'visible')),
        h('td', {}, m.recalled ? '' : h('button', {
          type: 'button', class: 'ghost', 'aria-label': `Recall message ${m.msgKey}`,
          onclick: async () => { if (await recall(m.fromAccount, m.toAccount, m.msgKey)) lookup(a, b, seconds); },
        }, 'Recall')))), 'No messages between these accounts in this period.', 6);
    } catch (e) {
      fillRows(tbody, [], 'Could not load the conversation.', 6);
      ctx.showError(e, `Looking up ${a} and ${b}`);
    }
  }

  $('#c2c-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const a = $('#c2c-a').value.trim();
    const b = $('#c2c-b').value.trim();
    if (!a || !b) { ctx.showError({ kind: 'invalid_input', info: `${!a ? 'Account' : 'Peer account'}: required` }, 'Looking up'); return; }
    lookup(a, b, Number($('#c2c-window').value));
  });

  $('#msgkey-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const from = $('#mk-from').value.trim();
    const to = $('#mk-to').value.trim();
    const key = $('#mk-key').value.trim();
    const missing = !from ? 'From account' : !to ? 'To account' : !key ? 'MsgKey' : '';
    if (missing) { ctx.showError({ kind: 'invalid_input', info: `${missing}: required` }, 'Recalling by MsgKey'); return; }
    const r = await recall(from, to, key);
    if (r) {
      $('#msgkey-result').textContent = r.alreadyRecalled ? `MsgKey ${key} was already recalled.` : `MsgKey ${key} recalled.`;
      if (last) lookup(last.a, last.b, last.seconds);
    }
  });

  ctx.onConnect(() => fillRows(tbody, [], 'Look up a conversation to see its messages.', 6));
}
