// Group view: page through a group's (or topic's) history, select messages (click,
// Shift-click range, everything from one sender on this page) and recall them; recall by
// sender; a per-message result table with the service's code in plain words.
import { $, h, fillRows, skeletonRows, fmtTime, bodyText } from './dom.js';
import { meaning } from './codes.js';

const PAGE = 20;

export function setupGroupView(ctx) {
  const tbody = $('#history tbody');
  const recallBtn = /** @type {HTMLButtonElement} */ ($('#recall-selected'));
  const selectAll = /** @type {HTMLInputElement} */ ($('#select-all'));
  const state = {
    groupId: '', topicId: '',
    /** beforeSeq of each page from the newest (undefined) to the one shown */
    pages: [], messages: [], selected: new Set(), anchor: -1, loading: false,
  };

  const defaults = ctx.config.defaults ?? {};
  if (defaults.groupId) $('#group-id').value = defaults.groupId;

  function updateSelectionUi() {
    recallBtn.textContent = `Recall selected (${state.selected.size})`;
    recallBtn.disabled = state.selected.size === 0;
    const selectable = state.messages.filter((m) => !m.recalled);
    selectAll.checked = selectable.length > 0 && selectable.every((m) => state.selected.has(m.msgSeq));
    selectAll.indeterminate = !selectAll.checked && state.selected.size > 0;
    for (const tr of tbody.querySelectorAll('tr[data-seq]')) {
      const on = state.selected.has(Number(tr.dataset.seq));
      tr.classList.toggle('selected', on);
      tr.querySelector('input').checked = on;
    }
  }

  function toggle(index, shift) {
    const m = state.messages[index];
    if (!m || m.recalled) return;
    const on = !state.selected.has(m.msgSeq);
    if (shift && state.anchor >= 0) {
      const [a, b] = [Math.min(state.anchor, index), Math.max(state.anchor, index)];
      for (let i = a; i <= b; i++) {
        const x = state.messages[i];
        if (!x.recalled) { if (on) state.selected.add(x.msgSeq); else state.selected.delete(x.msgSeq); }
      }
    } else if (on) state.selected.add(m.msgSeq); else state.selected.delete(m.msgSeq);
    state.anchor = index;
    updateSelectionUi();
  }

  function render() {
    const rows = state.messages.map((m, i) => h('tr', { 'data-seq': m.msgSeq, class: m.recalled ? 'recalled' : undefined },
      h('td', { class: 'c-check' }, h('input', {
        type: 'checkbox', 'aria-label': `Select message ${m.msgSeq}`, disabled: m.recalled,
        // The native toggle goes ahead; toggle() then syncs every box to the selection.
        onclick: (e) => toggle(i, e.shiftKey),
      })),
      h('td', { class: 'num' }, m.msgSeq),
      h('td', {}, m.fromAccount),
      h('td', { class: 'num hide-narrow' }, fmtTime(m.msgTimeStamp)),
      h('td', { class: 'msg', title: m.recalled ? undefined : bodyText(m.msgBody) }, m.recalled ? 'Message recalled' : bodyText(m.msgBody)),
      h('td', {}, h('span', { class: `state ${m.recalled ? 'recalled' : ''}` }, m.recalled ? 'recalled' : 'visible'))));
    fillRows(tbody, rows, 'No messages on this page.', 6);
    // Row click (outside the checkbox) toggles too; Shift extends the range.
    tbody.querySelectorAll('tr[data-seq]').forEach((tr, i) => tr.addEventListener('click', (e) => {
      if (e.target instanceof HTMLInputElement) return;
      toggle(i, e.shiftKey);
    }));
    const senders = [...new Set(state.messages.filter((m) => !m.recalled).map((m) => m.fromAccount))].sort();
    $('#sender-pick').replaceChildren(h('option', { value: '' }, 'sender…'), ...senders.map((s) => h('option', { value: s }, s)));
    const first = state.messages.at(-1)?.msgSeq;
    const last = state.messages[0]?.msgSeq;
    $('#page-info').textContent = state.messages.length ? `Page ${state.pages.length} · MsgSeq ${first}–${last} of ${state.groupId}${state.topicId ? ` / ${state.topicId}` : ''}` : '';
    $('#newer').disabled = state.pages.length <= 1;
    $('#older').disabled = state.nextBeforeSeq === undefined || state.isFinished;
    updateSelectionUi();
  }

  async function load(beforeSeq, { push = true, quiet = false } = {}) {
    const b = ctx.backend;
    if (!b) { ctx.showError({ kind: 'invalid_input', info: 'Not connected: connect first in the Connection tab' }, 'Loading history'); return; }
    state.loading = true;
    $('#history').setAttribute('aria-busy', 'true');
    // A full page of placeholder rows: the data replaces them without moving anything.
    if (!quiet) skeletonRows(tbody, PAGE, 6);
    try {
      const page = await b.groupHistory({ groupId: state.groupId, topicId: state.topicId || undefined, beforeSeq, count: PAGE });
      ctx.clearError();
      if (push) state.pages.push(beforeSeq);
      state.messages = page.messages ?? [];
      state.nextBeforeSeq = page.nextBeforeSeq;
      state.isFinished = page.isFinished && page.messages.length < PAGE;
      for (const s of [...state.selected]) if (!state.messages.some((m) => m.msgSeq === s && !m.recalled)) state.selected.delete(s);
      state.anchor = -1;
      render();
    } catch (e) {
      ctx.showError(e, `Loading the history of ${state.groupId}`);
      render();
    } finally {
      state.loading = false;
      $('#history').removeAttribute('aria-busy');
    }
  }

  $('#group-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.groupId = $('#group-id').value.trim();
    state.topicId = $('#topic-id').value.trim();
    if (!state.groupId) { ctx.showError({ kind: 'invalid_input', info: 'Group ID: enter the group to look at' }, 'Loading history'); $('#group-id').focus(); return; }
    state.pages = [];
    state.selected.clear();
    load(undefined);
  });
  $('#older').addEventListener('click', () => load(state.nextBeforeSeq));
  $('#newer').addEventListener('click', () => { state.pages.pop(); const prev = state.pages.pop(); load(prev); });
  selectAll.addEventListener('change', () => {
    for (const m of state.messages) if (!m.recalled) { if (selectAll.checked) state.selected.add(m.msgSeq); else state.selected.delete(m.msgSeq); }
    updateSelectionUi();
  });
  $('#select-sender').addEventListener('click', () => {
    const s = $('#sender-pick').value;
    if (!s) return;
    for (const m of state.messages) if (m.fromAccount === s && !m.recalled) state.selected.add(m.msgSeq);
    updateSelectionUi();
  });

  function showResults(report) {
    $('#results-card').hidden = false;
    $('#results-summary').textContent = `${report.groupId}${report.topicId ? ` / ${report.topicId}` : ''}: ${report.recalled} recalled, ${report.failed} failed of ${report.requested}, in ${report.requests} request${report.requests === 1 ? '' : 's'}${report.retries ? ` (${report.retries} retried)` : ''}.`;
    fillRows($('#results tbody'), report.results.map((r) => h('tr', {},
      h('td', { class: 'num' }, r.msgSeq),
      h('td', {}, h('span', { class: `state ${r.ok ? 'ok' : 'recalled'}` }, r.ok ? 'recalled' : 'failed')),
      h('td', { class: 'num' }, r.code),
      h('td', {}, meaning(r.code, r.message)))), 'No messages.', 4);
  }

  recallBtn.addEventListener('click', async () => {
    const seqs = [...state.selected].sort((a, b) => a - b);
    const reason = $('#recall-reason').value.trim();
    const ok = await ctx.confirm(`Recall ${seqs.length} message${seqs.length === 1 ? '' : 's'}?`,
      `From ${state.groupId}${state.topicId ? ` / ${state.topicId}` : ''}: MsgSeq ${seqs.join(', ')}.${reason ? ` Reason: ${reason}.` : ''}`);
    if (!ok) return;
    recallBtn.disabled = true;
    try {
      const report = await ctx.backend.recallGroup({ groupId: state.groupId, topicId: state.topicId || undefined, msgSeqs: seqs, reason: reason || undefined });
      ctx.clearError();
      showResults(report);
      for (const r of report.results) if (r.ok) state.selected.delete(r.msgSeq);
      await load(state.pages.at(-1), { push: false, quiet: true });
    } catch (e) {
      if (e?.report) showResults(e.report);
      ctx.showError(e, `Recalling ${seqs.length} messages`);
      updateSelectionUi();
    }
  });

  $('#sender-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const sender = $('#sender-account').value.trim();
    const groupId = $('#group-id').value.trim();
    const topicId = $('#topic-id').value.trim();
    if (!groupId || !sender) { ctx.showError({ kind: 'invalid_input', info: `${!groupId ? 'Group ID' : 'Sender'}: required to recall by sender` }, 'Recalling by sender'); return; }
    const reason = $('#recall-reason').value.trim();
    if (!(await ctx.confirm(`Recall everything ${sender} wrote?`, `Every message ${sender} sent among the last 1,000 in ${groupId}${topicId ? ` / ${topicId}` : ''}.`))) return;
    try {
      await ctx.backend.recallSender({ groupId, topicId: topicId || undefined, senderAccount: sender, reason: reason || undefined });
      ctx.clearError();
      $('#results-card').hidden = false;
      $('#results-summary').textContent = `Everything ${sender} wrote recently in ${groupId} was recalled.`;
      fillRows($('#results tbody'), [], 'The service reports no per-message outcome for recall by sender.', 4);
      if (state.groupId === groupId) await load(state.pages.at(-1), { push: false, quiet: true });
    } catch (err) {
      ctx.showError(err, `Recalling what ${sender} wrote`);
    }
  });

  // A new connection starts from a clean table.
  ctx.onConnect(() => {
    state.messages = []; state.pages = []; state.selected.clear();
    fillRows(tbody, [], 'Load a group to see its messages.', 6);
    $('#page-info').textContent = '';
    updateSelectionUi();
  });
}
