// Live feed (recall events as the Worker receives the service's webhooks) and the audit log.
import { $, h, fillRows, fmtMs } from './dom.js';

const MAX_FEED = 200;

export function setupFeedView(ctx) {
  const feed = $('#feed');
  const pill = $('#feed-state');
  let stop = null;

  function setPill(state) {
    pill.textContent = { live: 'live', polling: 'live (polling)', down: 'Worker unreachable', off: 'off' }[state];
    pill.classList.toggle('live', state === 'live' || state === 'polling');
  }

  /** One event from the Worker's log: recall webhooks go to the feed; audit entries refresh the log. */
  function add(raw) {
    if (raw.type === 'audit') { refreshAudit(); return; }
    const ev = raw.event ?? raw;
    if (!ev.callbackCommand) return; // job progress and unknown commands: shown elsewhere
    const at = raw.at ?? ev.eventTime ?? (ev.requestTime ? ev.requestTime * 1000 : Date.now());
    const text = ev.callbackCommand === 'C2C.CallbackAfterMsgWithDraw'
      ? `One-to-one message ${ev.msgKey} from ${ev.fromAccount} to ${ev.toAccount} recalled`
      : `${ev.groupId}${ev.topicId ? ` / ${ev.topicId}` : ''}: ${ev.operatorAccount ?? 'someone'} recalled MsgSeq ${(ev.msgSeqs ?? []).join(', ')}`;
    feed.querySelector('.empty')?.remove();
    feed.prepend(h('li', { 'data-command': ev.callbackCommand }, h('time', { datetime: new Date(at).toISOString() }, fmtMs(at)), text));
    while (feed.children.length > MAX_FEED) feed.lastElementChild.remove();
  }

  async function refreshAudit() {
    if (!ctx.backend) return;
    try {
      const entries = await ctx.backend.audit(50);
      fillRows($('#audit tbody'), entries.map((e) => h('tr', {},
        h('td', { class: 'num' }, fmtMs(typeof e.at === 'number' ? e.at : Date.parse(e.at))),
        h('td', {}, e.actor ?? '–'),
        h('td', {}, `${e.action}: ${summarize(e.summary)}`),
        h('td', {}, e.reason ?? ''))), 'Nothing yet.', 4);
    } catch (e) {
      ctx.showError(e, 'Loading the audit log');
    }
  }
  $('#audit-refresh').addEventListener('click', refreshAudit);
  document.addEventListener('tabshown', (e) => { if (e.target.id === 'tab-feed') refreshAudit(); });

  ctx.onConnect((b) => {
    stop?.();
    stop = null;
    feed.replaceChildren(h('li', { class: 'empty' }, b.hasLiveFeed ? 'Nothing yet.' : 'The live feed comes from the Worker, which receives the service\'s recall webhooks. Connect through the Worker to see it; the audit log below lists what this page did.'));
    if (b.hasLiveFeed) {
      let wasDown = false;
      stop = b.follow(add, (state, err) => {
        setPill(state);
        if (state === 'down' && !wasDown) ctx.showError(err, 'Following the live feed');
        wasDown = state === 'down';
      });
      b.close = () => { stop?.(); stop = null; };
    } else setPill('off');
    refreshAudit();
  });
}

/** An audit summary (a string, or the Worker's object of target and counts) in one line. */
function summarize(summary) {
  if (typeof summary === 'string') return summary;
  if (!summary || typeof summary !== 'object') return '';
  return Object.entries(summary)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k} ${v}`).join(', ');
}
