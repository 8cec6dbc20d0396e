// Bulk jobs run inside the page (direct mode). Each job gets its own RecallClient with a
// counting fetch, so the console can show requests/s and retries while it runs; the job list
// and finished results are kept in localStorage so a reloaded page finds them. A job that was
// running when the page closed cannot continue (it lived in the page) and is shown as such.
import { ApiError } from './errors.js';

const MAX_STORED_RESULTS = 200_000;

export class LocalJobs {
  /** @param {(fetchImpl: typeof fetch) => any} makeClient @param {string} key */
  constructor(makeClient, key) {
    this.makeClient = makeClient;
    this.key = key;
    this.running = new Map(); // id -> AbortController
    /** @type {any[]} */
    this.jobs = load(key).map((j) => (j.status === 'running' || j.status === 'queued'
      ? { ...j, status: 'interrupted', error: 'The page was closed or reloaded while this in-page job ran; start it again for the rest.' }
      : j));
    this.save();
  }

  save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.jobs.map((j) => (j.results?.length > MAX_STORED_RESULTS ? { ...j, results: undefined, resultsDropped: true } : j))));
    } catch { /* storage full or disabled: the list lives for this page only */ }
  }

  list() { return this.jobs.map((j) => ({ ...j })); }
  get(id) {
    const j = this.jobs.find((x) => x.id === id);
    if (!j) throw new ApiError({ kind: 'not_found', info: `no job ${id} in this browser` });
    return { ...j };
  }

  cancel(id) {
    const ctl = this.running.get(id);
    if (ctl) ctl.abort();
    return this.get(id);
  }

  start(spec) {
    const id = `local-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    const total = spec.kind === 'recallGroup' ? spec.msgSeqs.length : spec.groupIds.length;
    const label = spec.kind === 'recallGroup'
      ? `${total.toLocaleString('en')} messages in ${spec.groupId}${spec.topicId ? ` / ${spec.topicId}` : ''}`
      : `everything ${spec.senderAccount} sent in ${total} group${total === 1 ? '' : 's'}`;
    const job = {
      id, kind: spec.kind, label, status: 'running', createdAt: Date.now(), reason: spec.reason,
      progress: { done: 0, total, recalled: 0, failed: 0, requests: 0, retries: 0 },
    };
    this.jobs.unshift(job);
    const ctl = new AbortController();
    this.running.set(id, ctl);
    this.save();
    const finish = (status, results, error) => {
      Object.assign(job, { status, results, finishedAt: Date.now(), ...(error ? { error } : {}) });
      this.running.delete(id);
      this.save();
    };
    (spec.kind === 'recallGroup' ? this.runGroup(job, spec, ctl.signal) : this.runPurge(job, spec, ctl.signal))
      .then((results) => finish(ctl.signal.aborted ? 'cancelled' : 'done', results))
      .catch((e) => finish(ctl.signal.aborted ? 'cancelled' : 'failed', e?.report?.results, e?.info || e?.message || String(e)));
    return { ...job };
  }

  /** A fetch that counts requests, and resends of an identical body as retries. */
  countingFetch(job) {
    const bodies = new Set();
    return (url, init) => {
      job.progress.requests++;
      const body = String(init?.body ?? '');
      if (bodies.has(body)) job.progress.retries++;
      else bodies.add(body);
      return fetch(url, init);
    };
  }

  async runGroup(job, spec, signal) {
    const client = this.makeClient(this.countingFetch(job));
    try {
      const report = await client.recallGroupMessages({
        groupId: spec.groupId, msgSeqs: spec.msgSeqs, signal,
        ...(spec.topicId ? { topicId: spec.topicId } : {}), ...(spec.reason ? { reason: spec.reason } : {}),
        onProgress: (p) => {
          Object.assign(job.progress, { done: p.done, recalled: p.recalled, failed: p.failed });
          const now = Date.now();
          if (!job.savedAt || now - job.savedAt > 1000) { job.savedAt = now; this.save(); }
        },
      });
      Object.assign(job.progress, { done: report.results.length, recalled: report.recalled, failed: report.failed });
      return report.results;
    } catch (e) {
      if (e?.report) Object.assign(job.progress, { done: e.report.results.length, recalled: e.report.recalled, failed: e.report.failed });
      throw e;
    } finally {
      client.free();
    }
  }

  async runPurge(job, spec, signal) {
    const client = this.makeClient(this.countingFetch(job));
    const results = [];
    try {
      for (const groupId of spec.groupIds) {
        if (signal.aborted) { results.push({ groupId, ok: false, code: -2, message: 'cancelled before it was sent' }); continue; }
        try {
          await client.recallGroupMessagesBySender({ groupId, senderAccount: spec.senderAccount, signal });
          results.push({ groupId, ok: true, code: 0, message: 'OK' });
          job.progress.recalled++;
        } catch (e) {
          results.push({ groupId, ok: false, code: e?.code ?? -1, message: e?.info || e?.message || String(e) });
          job.progress.failed++;
        }
        job.progress.done++;
        this.save();
      }
      return results;
    } finally {
      client.free();
    }
  }
}

function load(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch { return []; }
}
