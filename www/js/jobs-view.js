// Bulk jobs: start (MsgSeq ranges in a group, or purge a sender from groups), follow one
// job's progress with a live rate chart, retries, failures and an estimated finish, cancel,
// and download a finished job's outcomes as CSV. The list comes from the backend (the
// Worker's durable jobs, or this browser's storage in direct mode), so a reload finds it.
import { $, h, fillRows, fmtMs, fmtInt } from './dom.js';
import { parseSeqRanges, parseList } from './ranges.js';
import { toCsv, download } from './csv.js';
import { meaning } from './codes.js';
import { RateChart } from './chart.js';

const POLL_MS = 1000;
const FINAL = new Set(['done', 'cancelled', 'failed', 'interrupted']);

export function setupJobsView(ctx) {
  const form = $('#job-form');
  const chart = new RateChart(/** @type {HTMLCanvasElement} */ ($('#job-chart')));
  window.addEventListener('themechange', () => chart.draw());
  /** id -> [{ t, done, requests }] samples taken once per poll */
  const samples = new Map();
  let jobs = [];
  let selectedId = null;
  let selected = null;
  let timer = null;
  let pollFailed = false;
  const kind = () => form.querySelector('input[name="jobkind"]:checked').value;

  const d = ctx.config.defaults ?? {};
  if (d.bulkGroupId) $('#job-group').value = d.bulkGroupId;

  function showKind() {
    $('#job-group-fields').hidden = kind() !== 'recallGroup';
    $('#job-purge-fields').hidden = kind() !== 'purgeSender';
  }
  form.addEventListener('change', showKind);
  showKind();

  function where() {
    $('#job-where').textContent = ctx.backend?.mode === 'direct'
      ? 'Runs in this page: keep it open until the job finishes (the list and results stay in this browser).'
      : 'Runs in the Worker as a durable job: it keeps going if you close this page.';
  }
  where();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!ctx.backend) { ctx.showError({ kind: 'invalid_input', info: 'Not connected: connect first in the Connection tab' }, 'Starting the job'); return; }
    const reason = $('#job-reason').value.trim() || undefined;
    let spec;
    try {
      if (kind() === 'recallGroup') {
        const groupId = $('#job-group').value.trim();
        if (!groupId) throw Object.assign(new Error('Group ID: required'), { kind: 'invalid_input', info: 'Group ID: required' });
        const msgSeqs = parseSeqRanges($('#job-ranges').value);
        spec = { kind: 'recallGroup', groupId, msgSeqs, topicId: $('#job-topic').value.trim() || undefined, reason };
      } else {
        const senderAccount = $('#job-sender').value.trim();
        const groupIds = parseList($('#job-groups').value);
        if (!senderAccount) throw { kind: 'invalid_input', info: 'Sender account: required' };
        if (!groupIds.length) throw { kind: 'invalid_input', info: 'Groups: enter at least one group ID' };
        spec = { kind: 'purgeSender', senderAccount, groupIds, reason };
      }
    } catch (err) {
      ctx.showError(err.kind ? err : { kind: 'invalid_input', info: `MsgSeqs: ${err.message}` }, 'Starting the job');
      return;
    }
    const what = spec.kind === 'recallGroup'
      ? `${spec.msgSeqs.length.toLocaleString('en')} messages in ${spec.groupId}${spec.topicId ? ` / ${spec.topicId}` : ''}.`
      : `Everything ${spec.senderAccount} wrote recently in ${spec.groupIds.length} group(s): ${spec.groupIds.join(', ')}.`;
    if (!(await ctx.confirm('Start this bulk recall?', what))) return;
    try {
      const job = await ctx.backend.startJob(spec);
      ctx.clearError();
      selectedId = job.id;
      await poll();
    } catch (err) {
      ctx.showError(err, 'Starting the job');
    }
  });

  $('#job-cancel').addEventListener('click', async () => {
    if (!selectedId) return;
    $('#job-cancel').disabled = true;
    try { await ctx.backend.cancelJob(selectedId); ctx.clearError(); await poll(); } catch (e) { ctx.showError(e, 'Cancelling the job'); }
  });

  $('#job-csv').addEventListener('click', async () => {
    try {
      const job = selected?.results ? selected : await ctx.backend.getJob(selectedId);
      const results = job.results ?? [];
      const csv = job.kind === 'purgeSender'
        ? toCsv(['groupId', 'ok', 'code', 'message'], results.map((r) => [r.groupId, r.ok, r.code, r.message ?? meaning(r.code)]))
        : toCsv(['msgSeq', 'ok', 'code', 'message', 'meaning'], results.map((r) => [r.msgSeq, r.ok, r.code, r.message, meaning(r.code, r.message)]));
      download(`chat-recall-${job.id}.csv`, csv);
    } catch (e) {
      ctx.showError(e, 'Downloading the results');
    }
  });

  function sample(job) {
    const p = job.progress ?? {};
    const list = samples.get(job.id) ?? [];
    list.push({ t: Date.now(), done: p.done ?? 0, requests: p.requests });
    if (list.length > 120) list.shift();
    samples.set(job.id, list);
  }

  /** Per-second rates over the samples: requests/s when the backend counts requests, else messages/s. */
  function rates(job) {
    const list = samples.get(job.id) ?? [];
    const byRequests = list.length > 0 && typeof list.at(-1).requests === 'number';
    const vals = [];
    for (let i = 1; i < list.length; i++) {
      const dt = (list[i].t - list[i - 1].t) / 1000;
      const dv = byRequests ? list[i].requests - list[i - 1].requests : list[i].done - list[i - 1].done;
      vals.push(dt > 0 ? Math.max(0, dv / dt) : 0);
    }
    return { vals, unit: byRequests ? 'requests/s' : 'messages/s' };
  }

  function eta(job) {
    const list = (samples.get(job.id) ?? []).slice(-8);
    const p = job.progress ?? {};
    if (FINAL.has(job.status)) return job.finishedAt ? `finished ${fmtMs(job.finishedAt).split(' ').at(-1)}` : job.status;
    if (list.length < 2 || !p.total) return 'estimating…';
    const rate = (list.at(-1).done - list[0].done) / ((list.at(-1).t - list[0].t) / 1000);
    if (!(rate > 0)) return 'estimating…';
    const left = Math.ceil((p.total - p.done) / rate);
    return left < 60 ? `in ${left} s` : `in ${Math.floor(left / 60)} min ${left % 60} s`;
  }

  function renderDetail() {
    const job = selected;
    $('#job-detail-title').textContent = job ? `Job ${job.label ?? describe(job)} — ${job.status}` : 'No job selected';
    const p = job?.progress ?? {};
    const prog = /** @type {HTMLProgressElement} */ ($('#job-progress'));
    prog.max = Math.max(1, p.total ?? 1);
    prog.value = p.done ?? 0;
    prog.setAttribute('aria-valuetext', job ? `${pct(p)} (${fmtInt(p.done)} of ${fmtInt(p.total)})` : 'no job');
    $('#st-done').textContent = job ? `${fmtInt(p.done)} / ${fmtInt(p.total)} · ${pct(p)}` : '–';
    $('#st-recalled').textContent = fmtInt(p.recalled);
    $('#st-failed').textContent = fmtInt(p.failed);
    // The Worker's job summary has no retry count (yet): say so rather than show a zero.
    const retries = p.retries ?? job?.retries;
    $('#st-retries').textContent = job && retries === undefined ? 'not reported' : fmtInt(retries);
    const r = job ? rates(job) : { vals: [], unit: 'requests/s' };
    $('#st-rate-label').textContent = r.unit === 'requests/s' ? 'Requests/s' : 'Messages/s';
    $('#st-rate').textContent = job && job.status === 'running' && r.vals.length ? Math.round(r.vals.at(-1)).toLocaleString('en') : '–';
    $('#st-eta').textContent = job ? eta(job) : '–';
    $('#job-chart').setAttribute('aria-label', `${r.unit === 'requests/s' ? 'Requests' : 'Messages'} per second over the last minute`);
    chart.set(r.vals, r.unit);
    $('#job-cancel').disabled = !job || FINAL.has(job.status);
    $('#job-csv').disabled = !job || !(job.status === 'done' || job.status === 'cancelled' || job.status === 'failed') || (job.results && !job.results.length);
    $('#job-error').textContent = job?.error ? (typeof job.error === 'string' ? job.error : job.error.info ?? JSON.stringify(job.error)) : '';
  }

  function renderList() {
    fillRows($('#jobs-table tbody'), jobs.map((j) => h('tr', { 'aria-current': j.id === selectedId ? 'true' : undefined, 'data-job': j.id },
      h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => { selectedId = j.id; poll(); } }, j.label ?? describe(j))),
      h('td', {}, h('span', { class: `state ${j.status === 'done' ? 'ok' : ''}` }, j.status)),
      h('td', { class: 'num' }, pct(j.progress ?? {})),
      h('td', { class: 'num' }, fmtMs(j.createdAt ?? j.created_at)))), 'No jobs yet.', 4);
  }

  let polling = false;
  let again = false;
  /** One refresh at a time: a request for another while one runs is folded into one more. */
  async function poll() {
    clearTimeout(timer);
    if (polling) { again = true; return; }
    const b = ctx.backend;
    if (!b) return;
    polling = true;
    try {
      jobs = await b.listJobs();
      if (!selectedId && jobs.length) selectedId = jobs[0].id;
      for (const j of jobs) if (!FINAL.has(j.status)) sample(j);
      if (selectedId) {
        const listed = jobs.find((j) => j.id === selectedId);
        // Full results only once it has finished (they can be large).
        selected = listed && !FINAL.has(listed.status) ? listed : await b.getJob(selectedId);
        if (!listed || FINAL.has(selected.status)) sample(selected);
      }
      if (pollFailed) { pollFailed = false; ctx.clearError(); }
      renderList();
      renderDetail();
    } catch (e) {
      if (!pollFailed) ctx.showError(e, 'Updating the job list');
      pollFailed = true;
    } finally {
      polling = false;
    }
    if (again) { again = false; poll(); } else if (ctx.backend === b) timer = setTimeout(poll, POLL_MS);
  }

  ctx.onConnect(() => {
    jobs = []; selectedId = null; selected = null; samples.clear();
    where();
    poll();
  });
}

function describe(job) {
  return job.kind === 'purgeSender'
    ? `purge ${job.senderAccount ?? 'sender'} from ${job.groupIds?.length ?? job.progress?.total ?? '?'} groups`
    : `${fmtInt(job.progress?.total)} messages${job.groupId ? ` in ${job.groupId}` : ''}`;
}

function pct(p) {
  return p.total ? `${Math.floor((100 * (p.done ?? 0)) / p.total)}%` : '–';
}
