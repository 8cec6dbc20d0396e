// HTTP plumbing shared by every route: JSON answers, the error shape (the RecallError fields),
// capped body reading and input validation that names the field.

/** Default cap for request bodies (the callback's and the admin API's). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * An error answered as JSON `{ error: { kind, code, info, api, retryable, httpStatus?, field? } }`.
 * `headers` go on the answer too (e.g. `Allow` on a 405).
 */
export class HttpError extends Error {
  constructor(status, kind, info, { field, code = 0, api = '', retryable = false, headers } = {}) {
    super(info);
    this.status = status;
    this.kind = kind;
    this.info = info;
    this.field = field;
    this.code = code;
    this.api = api;
    this.retryable = retryable;
    this.headers = headers;
  }
}

/**
 * The field a package RecallError names: its `info` starts with it (`msgSeqs[3]: ...`,
 * `Sign: ...`, `body.MsgSeqList[0].MsgSeq: ...`), so a caller gets `field` as from the
 * Worker's own checks. Undefined when the info names none (the service's own ErrorInfo).
 */
export function fieldOf(info) {
  const m = /^([A-Za-z_][\w.\[\]-]{0,127}): /.exec(typeof info === 'string' ? info : '');
  return m ? m[1] : undefined;
}

/** 405 for `method`, with the `Allow` header listing what the route takes. */
export function methodNotAllowed(method, allowed) {
  return new HttpError(405, 'invalid_input', `method: ${String(method).slice(0, 16)} is not allowed here (${allowed})`,
    { field: 'method', headers: { allow: allowed } });
}

/** 400 invalid_input naming `field`. */
export function invalid(field, message) {
  return new HttpError(400, 'invalid_input', `${field}: ${message}`, { field });
}

export function json(value, status = 200, headers = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

// The HTTP status for a package RecallError's kind. `auth` from the service means the
// Worker's own credentials are wrong (its SECRET_KEY), not the caller's: a bad gateway.
const STATUS_BY_KIND = {
  invalid_input: 400,
  not_found: 404,
  permission: 403,
  rate_limited: 429,
  timeout: 504,
  aborted: 503,
  auth: 502,
  server: 502,
  network: 502,
  protocol: 502,
};

/** Any thrown value as a JSON error response; never includes a stack or a secret. */
export function errorResponse(e) {
  if (e instanceof HttpError) {
    const body = { kind: e.kind, code: e.code, info: e.info, api: e.api, retryable: e.retryable };
    if (e.field !== undefined) body.field = e.field;
    return json({ error: body }, e.status, e.headers);
  }
  if (e && typeof e === 'object' && e.name === 'RecallError') {
    const status = STATUS_BY_KIND[e.kind] ?? 500;
    const body = { kind: e.kind, code: e.code, info: e.info, api: e.api, retryable: e.retryable };
    // Only our own messages name a field; the service's ErrorInfo is its own text.
    const field = e.kind === 'invalid_input' && e.code === 0 ? fieldOf(e.info) : undefined;
    if (field !== undefined) body.field = field;
    if (e.httpStatus !== undefined) body.httpStatus = e.httpStatus;
    if (e.report !== undefined) body.report = e.report;
    return json({ error: body }, status);
  }
  // A bug of ours: say so without leaking internals.
  console.error('internal error', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  return json({ error: { kind: 'server', code: 0, info: 'internal error', api: '', retryable: true } }, 500);
}

/** Past this many bytes, or this many milliseconds, an oversized upload is cut off instead of drained. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;
const MAX_DRAIN_MS = 1000;

/**
 * Read and discard the rest of a refused body, up to MAX_DRAIN_BYTES or MAX_DRAIN_MS, keeping
 * nothing: a response while the client is still uploading makes some HTTP stacks (wrangler's
 * dev proxy among them) reset the connection instead of delivering the 413. The time bound
 * keeps a client that declares a huge body and then stalls from holding the answer back.
 */
async function discard(reader, already) {
  let seen = already;
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve({ late: true }), MAX_DRAIN_MS); });
  try {
    while (seen <= MAX_DRAIN_BYTES) {
      const step = await Promise.race([reader.read(), late]);
      if (step.late) break;
      if (step.done) return;
      seen += step.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing to answer anyway.
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(limit) {
  return new HttpError(413, 'invalid_input', `body: larger than ${limit} bytes`, { field: 'body' });
}

/**
 * How long an upload may send nothing before it is given up: a client that declares more
 * than it sends and then waits must not hold the request open for ever.
 */
const BODY_IDLE_MS = 5000;

/** `reader.read()`, or `{ stalled: true }` when nothing arrives within `ms`. */
async function readWithin(reader, ms) {
  let timer;
  const stalled = new Promise((resolve) => { timer = setTimeout(() => resolve({ stalled: true }), ms); });
  try {
    return await Promise.race([reader.read(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body as bytes, at most `limit`: a declared Content-Length over the limit is refused
 * without reading it in, and a body without one is cut off as soon as it passes the limit.
 * Refused bytes are never kept (see `discard`).
 */
export async function readBody(request, limit = MAX_BODY_BYTES) {
  const declared = request.headers.get('content-length');
  if (declared !== null && !(/^\d+$/.test(declared) && Number(declared) <= limit)) {
    if (request.body !== null) await discard(request.body.getReader(), 0);
    throw tooLarge(limit);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    let step;
    try {
      step = await readWithin(reader, BODY_IDLE_MS);
    } catch {
      // The upload broke off (fewer bytes than its Content-Length, a reset): nothing kept.
      chunks.length = 0;
      throw invalid('body', 'the upload ended before the body was complete');
    }
    if (step.stalled) {
      chunks.length = 0;
      reader.cancel().catch(() => {});
      throw new HttpError(408, 'timeout', `body: no bytes arrived for ${BODY_IDLE_MS / 1000} s; the upload stalled`, { field: 'body', retryable: true });
    }
    const { done, value } = step;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      chunks.length = 0;
      await discard(reader, size);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

/**
 * `application/json`, optionally with `charset=utf-8` (JSON is UTF-8: RFC 8259); any other
 * type or charset is refused before the body is read.
 */
function isJsonType(type) {
  const m = /^application\/json[ \t]*(;.*)?$/i.exec(type);
  if (!m) return false;
  for (const param of (m[1] ?? '').split(';').slice(1)) {
    const [name, value = ''] = param.split('=').map((x) => x.trim().toLowerCase());
    if (name === 'charset' && value.replace(/^"|"$/g, '') !== 'utf-8') return false;
  }
  return true;
}

/**
 * A JSON object body: content type application/json, at most `limit` bytes, only the keys in
 * `allowed` (an unknown key, `__proto__` included, is refused by name: a typo in an optional
 * field must not pass silently).
 */
export async function readJsonObject(request, limit = MAX_BODY_BYTES, allowed = undefined) {
  const type = request.headers.get('content-type') ?? '';
  if (!isJsonType(type)) {
    throw new HttpError(415, 'invalid_input', 'content-type: must be application/json (UTF-8)', { field: 'content-type' });
  }
  const bytes = await readBody(request, limit);
  let value;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('body', 'is not valid UTF-8 JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('body', 'must be a JSON object');
  if (allowed !== undefined) onlyFields(value, allowed, 'this request');
  return value;
}

/** Refuses, by name, the first key of `body` not in `allowed` (`what`: whose fields they are). */
export function onlyFields(body, allowed, what) {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid(key.slice(0, 64), `is not a field of ${what} (fields: ${allowed.join(', ')})`);
  }
}

/** Strings with a lone surrogate cannot be sent as UTF-8: refused, not silently replaced. */
export function wellFormed(v) {
  return typeof v.isWellFormed === 'function' ? v.isWellFormed() : !/[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

// Field readers: each names the field in its error. `where` is the object's path prefix.

export function str(o, name, { optional = false, max = 1024 } = {}) {
  const v = o[name];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw invalid(name, 'is required (a string)');
  }
  if (typeof v !== 'string') throw invalid(name, `must be a string, got ${typeName(v)}`);
  if (v.length === 0) throw invalid(name, 'must not be empty');
  if (v.length > max) throw invalid(name, `must be at most ${max} characters`);
  if (!wellFormed(v)) throw invalid(name, 'holds a lone surrogate (not valid Unicode)');
  return v;
}

export function int(o, name, min, max, { optional = false } = {}) {
  const v = o[name];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw invalid(name, 'is required (an integer)');
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalid(name, `must be an integer in ${min}..=${max}, got ${typeName(v) === 'number' ? v : typeName(v)}`);
  }
  return v;
}

export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A query parameter given at most once (a repeated one is ambiguous: refused). */
function single(params, name) {
  const all = params.getAll(name);
  if (all.length > 1) throw invalid(name, 'is given more than once');
  return all.length === 0 ? null : all[0];
}

/** A query string parameter; `optional` ones may be missing or empty. */
export function queryStr(params, name, { optional = false, max = 1024 } = {}) {
  const raw = single(params, name);
  if (raw === null || raw === '') {
    if (optional) return undefined;
    throw invalid(name, 'is required');
  }
  if (raw.length > max) throw invalid(name, `must be at most ${max} characters`);
  return raw;
}

/** Query parameter readers (all strings in a URL). */
export function queryInt(params, name, min, max) {
  const raw = single(params, name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw invalid(name, `must be an integer in ${min}..=${max}`);
  return Number(raw);
}

export function queryBool(params, name) {
  const raw = single(params, name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalid(name, 'must be true or false');
}

/** A MsgSeq from JSON: a positive safe integer or a decimal string (up to u64). Returns its decimal string. */
export function msgSeqString(v, field) {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v > 0) return String(v);
  } else if (typeof v === 'string') {
    if (/^[1-9][0-9]{0,19}$/.test(v) && BigInt(v) <= 18446744073709551615n) return v;
  }
  throw invalid(field, 'must be a positive integer or a decimal string');
}
