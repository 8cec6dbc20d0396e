// @ts-check
// The one error class chat-recall throws. Defined in JS so that it is a real Error
// subclass (stack traces, `instanceof Error`, `instanceof RecallError`) in every runtime.

export class RecallError extends Error {
  /**
   * @param {{kind: string, code?: number, info?: string, api?: string,
   *          retryable?: boolean, httpStatus?: number}} fields
   */
  constructor(fields) {
    const f = fields ?? {};
    const kind = String(f.kind ?? 'protocol');
    const code = Number(f.code ?? 0);
    const info = String(f.info ?? '');
    const api = String(f.api ?? '');
    let message = kind;
    if (code !== 0) message += ` ${code}`;
    if (api) message += ` (${api})`;
    message += `: ${info}`;
    super(message);
    this.name = 'RecallError';
    this.kind = kind;
    this.code = code;
    this.info = info;
    this.api = api;
    this.retryable = Boolean(f.retryable);
    if (f.httpStatus !== undefined && f.httpStatus !== null) this.httpStatus = Number(f.httpStatus);
  }
}

/**
 * Called from Rust: positional arguments are cheaper to pass than an object.
 * @param {string} kind
 * @param {number} code
 * @param {string} info
 * @param {string} api
 * @param {boolean} retryable
 * @param {number | undefined} httpStatus
 * @returns {RecallError}
 */
export function makeRecallError(kind, code, info, api, retryable, httpStatus) {
  return new RecallError({ kind, code, info, api, retryable, httpStatus });
}
