// The admin API for consoles: direct recalls, history, the event and audit logs, durable
// jobs. Every route runs after `authenticate` (see index.js); `actor` is the token's label.
import { HttpError, json, readJsonObject, str, invalid, queryInt, queryBool, queryStr, msgSeqString, typeName, methodNotAllowed, wellFormed, onlyFields } from './http.js';
import { eventLog, retentions, withClient } from './config.js';
import { JOB_LIMITS } from './recall-job.js';

/** Bodies of job requests may list many MsgSeqs: a larger, still fixed, cap. */
const MAX_JOB_BODY_BYTES = 4 * 1024 * 1024;
const MAX_DIRECT_SEQS = 5000;
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The fields each request body may carry; anything else is refused by name. */
const FIELDS = {
  recallGroup: ['groupId', 'topicId', 'msgSeqs', 'reason'],
  recallSender: ['groupId', 'senderAccount', 'topicId', 'reason'],
  recallC2C: ['fromAccount', 'toAccount', 'msgKey', 'reason'],
  job: ['kind', 'groupId', 'topicId', 'msgSeqs', 'senderAccount', 'groupIds', 'reason'],
  jobRecallGroup: ['kind', 'groupId', 'topicId', 'msgSeqs', 'reason'],
  jobPurgeSender: ['kind', 'senderAccount', 'groupIds', 'reason'],
};

/**
 * Whether a failed recall may have reached the service (and so belongs in the audit log):
 * the package refuses invalid input with code 0 before anything is sent.
 */
function maybeSent(e) {
  return !(e?.name === 'RecallError' && e.kind === 'invalid_input' && e.code === 0);
}

function reasonOf(body) {
  return str(body, 'reason', { optional: true, max: 512 });
}

async function audit(env, actor, action, reason, summary) {
  await eventLog(env).recordAudit({ actor, action, reason, summary });
}

/** `msgSeqs`: a non-empty array of MsgSeqs, deduplicated in first-seen order (as decimal strings). */
function msgSeqList(body, max) {
  const v = body.msgSeqs;
  if (!Array.isArray(v)) throw invalid('msgSeqs', `must be an array, got ${typeName(v)}`);
  if (v.length === 0) throw invalid('msgSeqs', 'must not be empty');
  if (v.length > max) throw invalid('msgSeqs', `holds ${v.length} entries; at most ${max}`);
  const seen = new Set();
  const out = [];
  for (let i = 0; i < v.length; i++) {
    const s = msgSeqString(v[i], `msgSeqs[${i}]`);
    if (!seen.has(s)) { seen.add(s); out.push(s); }
  }
  return out;
}

async function recallGroup(request, env, actor) {
  const body = await readJsonObject(request, undefined, FIELDS.recallGroup);
  const groupId = str(body, 'groupId', { max: 48 });
  const topicId = str(body, 'topicId', { optional: true, max: 128 });
  const reason = reasonOf(body);
  const msgSeqs = msgSeqList(body, MAX_DIRECT_SEQS);
  const args = { groupId, msgSeqs };
  if (topicId !== undefined) args.topicId = topicId;
  if (reason !== undefined) args.reason = reason;
  let report;
  try {
    report = await withClient(env, (c) => c.recallGroupMessages(args));
  } catch (e) {
    if (e?.report && maybeSent(e)) await audit(env, actor, 'recall.group', reason, { groupId, topicId, requested: e.report.requested, recalled: e.report.recalled, failed: e.report.failed, error: e.info });
    throw e;
  }
  await audit(env, actor, 'recall.group', reason, { groupId, topicId, requested: report.requested, recalled: report.recalled, failed: report.failed });
  return json(report);
}

async function recallSender(request, env, actor) {
  const body = await readJsonObject(request, undefined, FIELDS.recallSender);
  const groupId = str(body, 'groupId', { max: 48 });
  const senderAccount = str(body, 'senderAccount', { max: 64 });
  const topicId = str(body, 'topicId', { optional: true, max: 128 });
  const reason = reasonOf(body);
  const args = { groupId, senderAccount };
  if (topicId !== undefined) args.topicId = topicId;
  try {
    await withClient(env, (c) => c.recallGroupMessagesBySender(args));
  } catch (e) {
    if (maybeSent(e)) await audit(env, actor, 'recall.sender', reason, { groupId, topicId, senderAccount, ok: false, code: e?.code ?? 0 });
    throw e;
  }
  await audit(env, actor, 'recall.sender', reason, { groupId, topicId, senderAccount, ok: true });
  return json({ ok: true, groupId, senderAccount });
}

async function recallC2C(request, env, actor) {
  const body = await readJsonObject(request, undefined, FIELDS.recallC2C);
  const fromAccount = str(body, 'fromAccount', { max: 64 });
  const toAccount = str(body, 'toAccount', { max: 64 });
  const msgKey = str(body, 'msgKey', { max: 256 });
  const reason = reasonOf(body);
  let result;
  try {
    result = await withClient(env, (c) => c.recallC2CMessage({ fromAccount, toAccount, msgKey }));
  } catch (e) {
    if (maybeSent(e)) await audit(env, actor, 'recall.c2c', reason, { fromAccount, toAccount, msgKey, ok: false, code: e?.code ?? 0 });
    throw e;
  }
  await audit(env, actor, 'recall.c2c', reason, { fromAccount, toAccount, msgKey, ok: true, alreadyRecalled: result.alreadyRecalled });
  return json(result);
}

async function groupHistory(url, env) {
  const q = url.searchParams;
  const args = { groupId: queryStr(q, 'groupId', { max: 48 }) };
  const count = queryInt(q, 'count', 1, 20);
  if (count !== undefined) args.count = count;
  const beforeSeq = queryStr(q, 'beforeSeq', { optional: true, max: 20 });
  if (beforeSeq !== undefined) args.beforeSeq = msgSeqString(beforeSeq, 'beforeSeq');
  const topicId = queryStr(q, 'topicId', { optional: true, max: 128 });
  if (topicId !== undefined) args.topicId = topicId;
  const withRecalled = queryBool(q, 'withRecalled');
  if (withRecalled !== undefined) args.withRecalled = withRecalled;
  return json(await withClient(env, (c) => c.getGroupHistory(args)));
}

async function c2cHistory(url, env) {
  const q = url.searchParams;
  const args = {};
  for (const name of ['operatorAccount', 'peerAccount']) args[name] = queryStr(q, name, { max: 64 });
  for (const name of ['minTime', 'maxTime']) {
    const v = queryInt(q, name, 0, 4294967295);
    if (v === undefined) throw invalid(name, 'is required (unix seconds)');
    args[name] = v;
  }
  const maxCount = queryInt(q, 'maxCount', 1, 100);
  if (maxCount !== undefined) args.maxCount = maxCount;
  const lastMsgKey = queryStr(q, 'lastMsgKey', { optional: true, max: 256 });
  if (lastMsgKey !== undefined) args.lastMsgKey = lastMsgKey;
  return json(await withClient(env, (c) => c.getC2CHistory(args)));
}

function page(url) {
  const q = url.searchParams;
  const cursor = queryInt(q, 'cursor', 1, Number.MAX_SAFE_INTEGER);
  const limit = queryInt(q, 'limit', 1, 200) ?? 50;
  return { cursor, limit };
}

function jobStub(env, id) {
  if (!JOB_ID.test(id)) throw new HttpError(404, 'not_found', `job ${JSON.stringify(id.slice(0, 64))}: no such job`, { field: 'id' });
  return env.RECALL_JOB.get(env.RECALL_JOB.idFromName(id));
}

/** A job request, validated in full before the job exists. */
function jobSpec(body) {
  const kind = body.kind;
  const reason = reasonOf(body);
  if (kind === 'recallGroup') {
    // Only the fields of the job's own kind: a `groupIds` on a group recall is a mistake.
    onlyFields(body, FIELDS.jobRecallGroup, 'a recallGroup job');
    const groupId = str(body, 'groupId', { max: 48 });
    const topicId = str(body, 'topicId', { optional: true, max: 128 });
    return { kind, groupId, topicId, reason, targets: msgSeqList(body, JOB_LIMITS.maxMessages) };
  }
  if (kind === 'purgeSender') {
    onlyFields(body, FIELDS.jobPurgeSender, 'a purgeSender job');
    const senderAccount = str(body, 'senderAccount', { max: 64 });
    const v = body.groupIds;
    if (!Array.isArray(v)) throw invalid('groupIds', `must be an array, got ${typeName(v)}`);
    if (v.length === 0) throw invalid('groupIds', 'must not be empty');
    if (v.length > JOB_LIMITS.maxGroups) throw invalid('groupIds', `holds ${v.length} entries; at most ${JOB_LIMITS.maxGroups}`);
    const seen = new Set();
    const targets = [];
    v.forEach((g, i) => {
      if (typeof g !== 'string' || g.length === 0 || g.length > 48 || !wellFormed(g)) throw invalid(`groupIds[${i}]`, 'must be a non-empty string of at most 48 characters (valid Unicode)');
      if (!seen.has(g)) { seen.add(g); targets.push(g); }
    });
    return { kind, senderAccount, reason, targets };
  }
  throw invalid('kind', 'must be "recallGroup" or "purgeSender"');
}

async function startJob(request, env, actor) {
  const body = await readJsonObject(request, MAX_JOB_BODY_BYTES, FIELDS.job);
  const spec = jobSpec(body);
  const id = crypto.randomUUID();
  const job = await jobStub(env, id).start(id, { ...spec, actor });
  const summary = { jobId: id, kind: spec.kind, total: spec.targets.length };
  if (spec.groupId) summary.groupId = spec.groupId;
  if (spec.senderAccount) summary.senderAccount = spec.senderAccount;
  await audit(env, actor, 'job.start', spec.reason, summary);
  return json({ id, status: job.status }, 202);
}

async function getJob(url, env, id) {
  const withResults = queryBool(url.searchParams, 'results') ?? true;
  const job = await jobStub(env, id).describe(withResults);
  if (job === null) throw new HttpError(404, 'not_found', `job ${id}: no such job`, { field: 'id' });
  return json(job);
}

async function cancelJob(env, id, actor) {
  const job = await jobStub(env, id).cancel(actor);
  if (job === null) throw new HttpError(404, 'not_found', `job ${id}: no such job`, { field: 'id' });
  await audit(env, actor, 'job.cancel', undefined, { jobId: id, status: job.status, progress: job.progress });
  return json(job);
}

/**
 * The live stream's resume point: `Last-Event-ID` (sent back by browsers as the server gave
 * it) or `?since=`, a non-negative event id. Anything else is refused, not ignored.
 */
function streamSince(request, url) {
  const header = request.headers.get('last-event-id');
  if (header !== null) {
    if (!/^\d{1,16}$/.test(header) || !Number.isSafeInteger(Number(header))) throw invalid('last-event-id', 'must be an event id');
    return header;
  }
  const since = queryInt(url.searchParams, 'since', 0, Number.MAX_SAFE_INTEGER);
  return since === undefined ? undefined : String(since);
}

/** Routes under /api/. Returns a Response or throws an HttpError / RecallError. */
export async function handleAdmin(request, env, actor, url) {
  // A bad retention var refuses every admin request first (500 naming it): nothing is read,
  // sent or created under a configuration that cannot say how long it is kept.
  retentions(env);
  const path = url.pathname;
  const m = request.method;
  const post = (f) => {
    if (m !== 'POST') throw methodNotAllowed(m, 'POST');
    return f(request, env, actor);
  };
  const get = (f) => {
    if (m !== 'GET') throw methodNotAllowed(m, 'GET');
    return f();
  };
  switch (path) {
    case '/api/recall/group': return post(recallGroup);
    case '/api/recall/sender': return post(recallSender);
    case '/api/recall/c2c': return post(recallC2C);
    case '/api/history/group': return get(() => groupHistory(url, env));
    case '/api/history/c2c': return get(() => c2cHistory(url, env));
    case '/api/events': return get(async () => { const p = page(url); return json(await eventLog(env).listEvents(p.cursor, p.limit)); });
    case '/api/events/stream': return get(() => {
      // Only what the stream reads goes to the EventLog; never the Authorization header.
      const since = streamSince(request, url);
      const headers = since === undefined ? {} : { 'last-event-id': since };
      return eventLog(env).fetch(new Request('https://event-log/stream', { headers }));
    });
    case '/api/audit': return get(async () => { const p = page(url); return json(await eventLog(env).listAudit(p.cursor, p.limit)); });
    case '/api/jobs':
      if (m === 'POST') return startJob(request, env, actor);
      if (m !== 'GET') throw methodNotAllowed(m, 'GET, POST');
      return get(async () => json(await eventLog(env).listJobs(queryInt(url.searchParams, 'limit', 1, 200) ?? 50)));
    default:
      break;
  }
  const job = /^\/api\/jobs\/([^/]+)$/.exec(path);
  if (job) {
    let id;
    try { id = decodeURIComponent(job[1]); } catch { id = job[1]; }
    if (m === 'GET') return getJob(url, env, id);
    if (m === 'DELETE') return cancelJob(env, id, actor);
    throw methodNotAllowed(m, 'GET, DELETE');
  }
  throw new HttpError(404, 'not_found', `path: ${path.slice(0, 128)} is not an API route`, { field: 'path' });
}
