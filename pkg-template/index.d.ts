// Type declarations for chat-recall. Hand-written to match the runtime behaviour exactly;
// tests/js/types.test.mjs checks them against the runtime (every field the package returns
// or reads is declared here, with its type) and compiles strict programs against them.
//
// Optional inputs accept `undefined` (read as absent, also under exactOptionalPropertyTypes);
// optional outputs are absent, never undefined.
//
// They compile with the DOM lib (browsers, bundlers), with @types/node and no DOM lib, and
// with neither (`skipLibCheck: false`): the web platform types below are looked up on
// `globalThis` and fall back when the environment does not declare them.

/** The instance type of global class `K` where the environment declares it, else `F`. */
type GlobalInstance<K extends string, F = never> =
  typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : F;
/** WebAssembly.Module (an empty interface in the DOM lib: `& object` keeps primitives out). */
type WasmModule =
  typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M & object : never;
type Bytes = ArrayBuffer | ArrayBufferView;
/** What the client reads from a signal: `aborted` and the `abort` event. */
export type AbortSignalLike = GlobalInstance<'AbortSignal', {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}>;
/** The global fetch's type, or the part of it the client uses. */
export type FetchLike = typeof globalThis extends { fetch: infer F } ? F
  : (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: unknown }) =>
      Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** What `init()` accepts: where to load chat_recall_bg.wasm from, or the module itself. */
export type InitInput =
  | string | GlobalInstance<'URL'> | GlobalInstance<'Request'> | GlobalInstance<'Response'> | Bytes | WasmModule;

/**
 * Load the WebAssembly module. Required once in browsers (by default it fetches
 * chat_recall_bg.wasm next to the module); a no-op in Node and Workers, where the module is
 * ready on import. Concurrent and later calls share one load; after a failed load (offline,
 * wrong URL) the next call tries again.
 */
export function init(input?: InitInput | Promise<InitInput>): Promise<void>;
export default init;
/** Instantiate synchronously from bytes or a compiled module (what the Node and Workers entries do). */
export function initSync(options: { module: Bytes | WasmModule }): unknown;

export type RecallErrorKind =
  | 'invalid_input' | 'auth' | 'permission' | 'not_found' | 'rate_limited'
  | 'server' | 'network' | 'timeout' | 'aborted' | 'protocol';

/** The fields `new RecallError(fields)` takes. */
export interface RecallErrorFields {
  kind: RecallErrorKind;
  code?: number | undefined;
  info?: string | undefined;
  api?: string | undefined;
  retryable?: boolean | undefined;
  httpStatus?: number | undefined;
}

/** The one error class the library throws. */
export class RecallError extends Error {
  constructor(fields: RecallErrorFields);
  readonly name: 'RecallError';
  /** What went wrong, as a caller decides what to do next. */
  readonly kind: RecallErrorKind;
  /** The service's ErrorCode, 0 when there was none. */
  readonly code: number;
  /** The service's ErrorInfo, or our own message (which names the field for invalid input). */
  readonly info: string;
  /** The command path, e.g. "group_open_http_svc/group_msg_recall"; "" when none. */
  readonly api: string;
  /** Whether the same request may succeed if tried again later. */
  readonly retryable: boolean;
  /** The HTTP status, when there was an HTTP answer. */
  readonly httpStatus?: number;
  /**
   * On a rejected `recallGroupMessages` (aborted before any request was sent): the full
   * accounting, one outcome (`notSent`) per MsgSeq.
   */
  readonly report?: GroupRecallReport;
  // `cause` (Error's own): the AbortSignal's `reason` (kind `aborted`, or `timeout` for
  // `AbortSignal.timeout()`), or the error `fetch` threw (kind `network`).
}

export type Region = 'china' | 'singapore' | 'seoul' | 'tokyo' | 'frankfurt' | 'india' | 'usa' | 'jakarta';

// ---------------------------------------------------------------------------------------
// Client options (dx): unions, so a compiler catches a missing credential and a region given
// together with a baseUrl. Plain-JS callers get the same checks at run time (a RecallError
// naming the field) and a console.warn, once, for an option name the client does not know.

/** What every client takes, whichever credentials and endpoint it uses. */
export interface RecallClientBaseOptions {
  /** The app's SDKAppID (1..=4294967295). */
  sdkAppId: number;
  /** The app admin account the requests are made as (e.g. "administrator"). */
  identifier: string;
  /** Lifetime of self-signed UserSigs in seconds (at least 60). Default 86400; renewed after 90% of it. */
  userSigTtlSeconds?: number | undefined;
  /**
   * Request starts per second per API, spaced evenly (1% is held back so network jitter never
   * puts one more arrival into a server second). 0.1..=100000; default 200, the service's limit per API.
   * After a rate-limit answer (60007, 60011, 60018, 60019, HTTP 429) the client pauses 250 ms
   * and halves its rate, which climbs back to the full rate over 5 s.
   */
  maxRequestsPerSecond?: number | undefined;
  /** Concurrent requests at most (1..=1024). Default `ceil(maxRequestsPerSecond / 4)` within 4..=64 (50 at 200/s). */
  maxInFlight?: number | undefined;
  /** Per-attempt timeout in milliseconds (1..=600000). Default 10000. */
  timeoutMs?: number | undefined;
  /**
   * Retries per request for retryable failures (0..=20). Default 3. Retryable: network
   * errors, timeouts, HTTP 5xx, 10002, 91000, 60008 and the rate codes 60007, 60011, 60018,
   * 60019, 70050. Backoff: full jitter, a random wait up to 200 ms doubling per retry, capped
   * at 5000 ms; after 70050 (too many signature failures) 60 s as the service asks. 70001 (UserSig
   * expired) is re-signed and sent again once when the client holds `secretKey`.
   */
  maxRetries?: number | undefined;
  /**
   * After a bulk recall's signal fires: how long (ms, 0..=600000; default 2000) to keep waiting
   * for requests already in flight and to look up messages in doubt before reporting them
   * `unknown`. Nothing new is recalled after the abort.
   */
  abortGraceMs?: number | undefined;
  /**
   * Cautious pacing from a cold start (a new client, or one idle for a second), off by
   * default: start at this fraction of `maxRequestsPerSecond` (0.1..=1; default 1, no ramp)
   * and climb linearly to the full rate over `coldStartMs` (0..=60000; default 1000). Not
   * needed where answers come back within a second: the client counts each request where it
   * arrived, so requests held up by connection set-up cannot crowd the server's first second.
   */
  coldStartFactor?: number | undefined;
  coldStartMs?: number | undefined;
  /**
   * How many requests a cold client lets go before the first answer comes back (0..=1024;
   * default 0, no limit): bounds how many can arrive bunched on a path whose answers take
   * longer than a second.
   */
  coldStartProbe?: number | undefined;
  /**
   * After a rate-limit answer (60007...) the rate is halved, then climbs back linearly to the
   * full rate over this many ms (1..=600000; default 5000).
   */
  rateLimitRecoveryMs?: number | undefined;
  /**
   * Called as each HTTP request starts (recalls, retries, look-ups, single calls), to see why a
   * job took the time it did. The URL has its UserSig replaced by `REDACTED`; an exception the
   * hook throws is ignored.
   */
  onRequest?: ((request: RequestInfo) => void) | undefined;
  /** The fetch to use; default the global fetch. */
  fetch?: FetchLike | undefined;
  /**
   * An outside rate budget shared with other clients (e.g. a Durable Object in a Worker).
   * When given, every request (retries included) awaits `acquire(api, signal)` right before
   * it is fetched, and the client's own pacer does not throttle on top of it
   * (`maxRequestsPerSecond` then only sizes the default `maxInFlight`).
   */
  rateGate?: RateGate | undefined;
}

/** Sending permission from outside the client; see `RecallClientOptions.rateGate`. */
export interface RateGate {
  /**
   * Resolve when one request to `api` (the command path, e.g.
   * "group_open_http_svc/group_msg_recall") may start. `signal` aborts when the call is
   * cancelled: reject then. A rejection for another reason fails that attempt as a
   * retryable network error.
   */
  acquire(api: string, signal?: AbortSignalLike): Promise<void> | void;
}

/** Credentials as a ready UserSig (browsers: made on your server, never in the page). */
export interface UserSigCredentials {
  /** A ready UserSig for `identifier`; used as is (an expired one fails with code 70001). */
  userSig: string;
  secretKey?: undefined;
}

/** Credentials as the app's secret key: server side only (Node, Workers); refused in browsers. */
export interface SecretKeyCredentials {
  /** Signs UserSigs (`userSigTtlSeconds`) and renews them before they expire. */
  secretKey: string;
  userSig?: undefined;
}

/** Tencent's endpoint for a data-centre region. */
export interface RegionEndpoint {
  /** Data-centre region. Default "china" (console.tim.qq.com). */
  region?: Region | undefined;
  baseUrl?: undefined;
}

/** Your own proxy or the emulator instead of a region. */
export interface BaseUrlEndpoint {
  /**
   * An absolute http(s) URL ("http://127.0.0.1:9000", "https://api.example.com/im"), or in a
   * browser also a relative one ("/im-proxy"), resolved against the page's base URL. The
   * client appends "/v4/<service>/<command>?..." to it. Outside browsers a relative URL is
   * refused (RecallError invalid_input naming baseUrl).
   */
  baseUrl: string;
  region?: undefined;
}

/** Give exactly one of `userSig` and `secretKey`, and at most one of `region` and `baseUrl`. */
export type RecallClientOptions = RecallClientBaseOptions
  & (UserSigCredentials | SecretKeyCredentials)
  & (RegionEndpoint | BaseUrlEndpoint);

/** One HTTP request as it starts (see `RecallClientOptions.onRequest`). */
export interface RequestInfo {
  /** The command path, e.g. "group_open_http_svc/group_msg_recall" ("…/group_msg_get_simple" for a look-up). */
  api: string;
  /** 0 for the first attempt, then 1, 2, ... (retries). */
  attempt: number;
  /** The request URL, UserSig redacted. */
  url: string;
  /**
   * On a retry (attempt > 0): how the previous attempt failed, e.g. `{ kind: 'network', code: 0 }`
   * (no answer), `{ kind: 'server', code: 10002 }` (the service's internal error), `{ kind:
   * 'server', code: 0 }` (an HTTP 5xx); `code` is the service's code, or 0 when there was none.
   */
  retryOf?: RetryCause;
}

/** How a failed attempt failed, as told with the retry that follows it. */
export interface RetryCause {
  kind: RecallErrorKind;
  /** The service's code, or 0 when there was none (no answer, timeout, HTTP status). */
  code: number;
}

/** A message sequence number: a positive safe integer, a bigint, or a decimal string. */
export type MsgSeqInput = number | bigint | string;

/** Counts so far; `done` = recalled + failed + notSent + unknown. */
export interface RecallProgress { done: number; total: number; recalled: number; failed: number; notSent: number; unknown: number }

/**
 * What became of one message:
 * - `recalled`: confirmed by the service (its answer, or a look-up showing the message recalled);
 * - `failed`: confirmed not recalled; `code` is the service's reason;
 * - `notSent`: no request for it reached the service (aborted or stopped first, connection refused);
 * - `unknown`: it may have been recalled and the service could not be asked (rare: the look-up
 *   failed too, or the abort grace period ran out). Check it with `getGroupHistory({ withRecalled: true })`.
 */
export type RecallOutcome = 'recalled' | 'failed' | 'notSent' | 'unknown';

export interface RecallGroupMessagesArgs {
  groupId: string;
  /** Any number of MsgSeqs: an array, another iterable (Set, generator) or an array-like; not a string. */
  msgSeqs: (Iterable<MsgSeqInput> | ArrayLike<MsgSeqInput>) & object;
  topicId?: string | undefined;
  reason?: string | undefined;
  signal?: AbortSignalLike | undefined;
  /** Called as answers arrive; an exception it throws is ignored. */
  onProgress?: ((progress: RecallProgress) => void) | undefined;
}

export interface MessageOutcome {
  msgSeq: number;
  /** `outcome === 'recalled'`. */
  ok: boolean;
  outcome: RecallOutcome;
  /**
   * 0 on success. Otherwise the service's RetCode for this message or the ErrorCode of its
   * request: 10030 the message does not exist (or was already recalled), 10031 beyond the
   * time allowed, 10032 cannot be recalled, 10033 the group type does not support recall,
   * 10007 / 10041 / 60010 no permission, 10010 the group is gone, 70001 UserSig expired, ...
   * Or our own: -1 the service did not report on the message, -2 aborted by the caller,
   * -3 no answer (network, timeout, HTTP error; `message` says which), -4 unknown
   * (it may have been recalled and the service could not be asked; see `outcome`).
   */
  code: number;
  message: string;
  /** Recall requests that carried this message (look-ups not counted). */
  attempts: number;
}

export interface GroupRecallReport {
  groupId: string;
  /** Present when the call had a `topicId`. */
  topicId?: string;
  /** Distinct MsgSeqs asked for: recalled + failed + notSent + unknown. */
  requested: number;
  recalled: number;
  failed: number;
  notSent: number;
  unknown: number;
  /** HTTP requests sent: recalls (retries included) and look-ups. */
  requests: number;
  /** Recall requests beyond each batch's first. */
  retries: number;
  /** Look-ups (`group_msg_get_simple`) made to resolve messages in doubt. */
  lookups: number;
  /** The call's signal fired before the job finished. */
  aborted: boolean;
  /** An error that stopped the whole job (missing group, no permission, expired fixed UserSig...). */
  error?: RecallError;
  /** One per distinct MsgSeq, in first-seen order. */
  results: MessageOutcome[];
}

/** What `recallGroupMessagesBySender` did: the service answers with nothing more than OK. */
export interface SenderRecallResult {
  groupId: string;
  senderAccount: string;
  /** Present when the call had a `topicId`. */
  topicId?: string;
}

export interface RecallGroupMessagesBySenderArgs {
  groupId: string;
  senderAccount: string;
  topicId?: string | undefined;
  signal?: AbortSignalLike | undefined;
}

export interface RecallC2CMessageArgs {
  fromAccount: string;
  toAccount: string;
  msgKey: string;
  signal?: AbortSignalLike | undefined;
}

export interface C2CRecallResult {
  /** The message had been recalled before; counts as success. */
  alreadyRecalled: boolean;
}

export interface GetGroupHistoryArgs {
  groupId: string;
  /** Messages per page, 1..=20; default 20. */
  count?: number | undefined;
  /** The newest MsgSeq wanted; default the newest message. */
  beforeSeq?: MsgSeqInput | undefined;
  topicId?: string | undefined;
  /** Include recalled messages (marked `recalled: true`); default false. */
  withRecalled?: boolean | undefined;
  signal?: AbortSignalLike | undefined;
}

export interface GroupMessage {
  fromAccount: string;
  msgSeq: number;
  msgRandom: number;
  msgTimeStamp: number;
  /** 0 a normal message, 1 a hole (expired, not stored or deleted), 2 recalled. */
  isPlaceMsg: number;
  isSystemMsg: boolean;
  msgPriority: number;
  recalled: boolean;
  /** The service's MsgBody, unchanged (normally an array of `{ MsgType, MsgContent }`). */
  msgBody: unknown;
}

export interface GroupHistoryPage {
  /** Newest first. */
  messages: GroupMessage[];
  /** No older messages remain (the page was empty or reached MsgSeq 1). */
  isFinished: boolean;
  /** Pass as `beforeSeq` for the next, older page; absent when there is none. */
  nextBeforeSeq?: number;
  /** The service's IsFinished == 1: the requested range came back whole. */
  rangeComplete: boolean;
}

export interface GetC2CHistoryArgs {
  operatorAccount: string;
  peerAccount: string;
  /** Unix seconds. */
  minTime: number;
  /** Unix seconds. */
  maxTime: number;
  /** Messages per page, 1..=100; default 100. */
  maxCount?: number | undefined;
  lastMsgKey?: string | undefined;
  signal?: AbortSignalLike | undefined;
}

export interface C2CMessage {
  fromAccount: string;
  toAccount: string;
  msgSeq: number;
  msgRandom: number;
  msgTimeStamp: number;
  /** 0 normal, 8 recalled. */
  msgFlagBits: number;
  msgKey: string;
  recalled: boolean;
  /** The service's MsgBody, unchanged (normally an array of `{ MsgType, MsgContent }`). */
  msgBody: unknown;
}

export interface C2CHistoryPage {
  messages: C2CMessage[];
  /** Every message in the time range was returned; otherwise continue with
   *  `maxTime: lastMsgTime, lastMsgKey`. */
  complete: boolean;
  lastMsgKey?: string;
  lastMsgTime?: number;
}

// ---------------------------------------------------------------------------------------
// purgeSender and the history iterators (dx): compositions of the calls above, in client.js.

export interface PurgeSenderArgs {
  groupId: string;
  senderAccount: string;
  topicId?: string | undefined;
  /** Unix seconds: only messages sent at or after this are recalled; the scan stops at the first older one. */
  since?: number | undefined;
  /** Passed on to every recall request (the service's Reason). */
  reason?: string | undefined;
  /** Cancels the scan (rejects with kind "aborted", nothing recalled) or the recall (as recallGroupMessages). */
  signal?: AbortSignalLike | undefined;
  /** Called after each history page (`phase: "scan"`), then as recall answers arrive (`phase: "recall"`). Exceptions it throws are ignored. */
  onProgress?: ((progress: PurgeProgress) => void) | undefined;
}

export interface PurgeScanProgress {
  phase: 'scan';
  /** History pages read so far. */
  pages: number;
  /** Messages looked at so far (newer than `since`, when given). */
  messages: number;
  /** The sender's messages found so far (not yet recalled). */
  found: number;
}

export interface PurgeRecallProgress extends RecallProgress {
  phase: 'recall';
}

export type PurgeProgress = PurgeScanProgress | PurgeRecallProgress;

/** recallGroupMessages' report for the sender's messages, plus what the scan covered. */
export interface PurgeSenderReport extends GroupRecallReport {
  senderAccount: string;
  scanned: PurgeScanStats;
}

/** How much history purgeSender read. */
export interface PurgeScanStats {
  /** History pages read. */
  pages: number;
  /** Messages looked at. */
  messages: number;
}

export class RecallClient {
  /**
   * Throws a RecallError (`invalid_input`, naming the field) for bad options. In plain JS an
   * unknown option name (e.g. `retries`, `timeout`) is reported once with console.warn,
   * naming the closest known option.
   */
  constructor(options: RecallClientOptions);
  /**
   * Recall any number of group messages by MsgSeq: deduplicated, 10 per request, paced under
   * `maxRequestsPerSecond`, retried as `maxRetries` says. Resolves with one outcome per distinct
   * MsgSeq (messages the service could not recall are `ok: false` with a `code`); rejects
   * (with `report` on the error) when aborted or when an error holds for the whole group.
   */
  recallGroupMessages(args: RecallGroupMessagesArgs): Promise<GroupRecallReport>;
  /**
   * The service's fast, silent variant (delete_group_msg_by_sender): one request, but it only
   * reaches the sender's messages among the group's **last 1,000** and reports no per-message
   * outcome. To recall everything a sender wrote, use `purgeSender`.
   */
  recallGroupMessagesBySender(args: RecallGroupMessagesBySenderArgs): Promise<SenderRecallResult>;
  /** Recall one one-to-one message; a message that was already recalled counts as success. */
  recallC2CMessage(args: RecallC2CMessageArgs): Promise<C2CRecallResult>;
  /** One page (up to 20) of a group's history, newest first. See `groupHistory` to iterate. */
  getGroupHistory(args: GetGroupHistoryArgs): Promise<GroupHistoryPage>;
  /** One page of one-to-one history. See `c2cHistory` to iterate. */
  getC2CHistory(args: GetC2CHistoryArgs): Promise<C2CHistoryPage>;
  /**
   * Every message of a group, newest first, page after page (starting at `beforeSeq` when
   * given) until the oldest: `for await (const m of client.groupHistory({ groupId }))`.
   * Aborting `signal` ends the iteration with a RecallError of kind "aborted".
   */
  groupHistory(args: GetGroupHistoryArgs): AsyncGenerator<GroupMessage, void, undefined>;
  /**
   * Every one-to-one message between `minTime` and `maxTime`, page after page:
   * `for await (const m of client.c2cHistory({ ... }))`. Honours `signal` like groupHistory.
   */
  c2cHistory(args: GetC2CHistoryArgs): AsyncGenerator<C2CMessage, void, undefined>;
  /**
   * Recall every message of one sender in a group, however old or many (the service's
   * by-sender call only reaches the last 1,000): pages the whole history (recalled messages
   * left out), collects the sender's MsgSeqs (stopping at `since`), and recalls them with
   * recallGroupMessages. Resolves with its report plus `senderAccount` and `scanned`.
   */
  purgeSender(args: PurgeSenderArgs): Promise<PurgeSenderReport>;
  /**
   * Release the client's wasm memory now (otherwise it is released when collected). Later
   * calls reject with a RecallError of kind "invalid_input"; a second free() does nothing.
   */
  free(): void;
  /** `using client = new RecallClient(...)` frees the client at the end of the scope (TypeScript 5.2+, lib "esnext.disposable" or "esnext"). */
  [Symbol.dispose](): void;
}

// Symbol.dispose for libs that predate it (as @types/node declares it), so the class above
// compiles everywhere; `using` itself needs TypeScript's "esnext.disposable" lib.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export interface GenerateUserSigOptions {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  /** Lifetime in seconds (1 up to 100 years). */
  expireSeconds: number;
  /** Optional userbuf (at most 1024 bytes); a string is taken as UTF-8. */
  userBuf?: string | Bytes | undefined;
  /** Unix seconds to sign at; default now. */
  now?: number | undefined;
}

export function generateUserSig(options: GenerateUserSigOptions): string;

export interface VerifyUserSigOptions {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  userSig: string;
  /** Unix seconds to check expiry against; default now. */
  now?: number | undefined;
}

export interface UserSigInfo {
  /** When it was signed (unix seconds). */
  time: number;
  /** Its lifetime in seconds. */
  expire: number;
  /** time + expire. */
  expiresAt: number;
  /** Present when the UserSig carries a userbuf. */
  userBuf?: Uint8Array;
}

/** Throws a RecallError on any mismatch or expiry. */
export function verifyUserSig(options: VerifyUserSigOptions): UserSigInfo;

/** The `OptPlatform` query parameter, normalised. */
export type OptPlatform = 'RESTAPI' | 'Web' | 'Android' | 'iOS' | 'Windows' | 'Mac' | 'iPad' | 'Unknown';

export interface GroupRecallEvent {
  callbackCommand: 'Group.CallbackAfterRecallMsg';
  sdkAppId: number;
  clientIp?: string;
  optPlatform?: OptPlatform;
  /** The URL's RequestTime (unix seconds), when it had one. */
  requestTime?: number;
  /** The body's EventTime (unix milliseconds), when it had one. */
  eventTime?: number;
  operatorAccount: string;
  groupType: string;
  groupId: string;
  topicId?: string;
  msgSeqs: number[];
}

export interface C2CWithdrawEvent {
  callbackCommand: 'C2C.CallbackAfterMsgWithDraw';
  sdkAppId: number;
  clientIp?: string;
  optPlatform?: OptPlatform;
  /** The URL's RequestTime (unix seconds), when it had one. */
  requestTime?: number;
  /** The body's EventTime (unix milliseconds), when it had one. */
  eventTime?: number;
  fromAccount: string;
  toAccount: string;
  msgKey: string;
  /** 0 when the body had none. */
  unreadMsgNum: number;
}

/** A verified webhook; narrow on `callbackCommand`. */
export type CallbackEvent = GroupRecallEvent | C2CWithdrawEvent;

export interface ParseCallbackOptions {
  /** The request URL (or just its path and query) with the service's query parameters. */
  url: string;
  /** The raw request body (at most 64 KiB). */
  body: string | Bytes;
  sdkAppId: number;
  /**
   * The callback token from the console: Sign and RequestTime are checked with it. Required
   * (undefined, null or '' refuse with invalid_input naming `token`) unless `allowUnsigned`.
   */
  token?: string | undefined;
  /** `true` only for apps without a callback token: accept unsigned callbacks (no token then). */
  allowUnsigned?: true | undefined;
  /** Unix seconds to check RequestTime against; default now. */
  now?: number | undefined;
  /** Allowed RequestTime skew in seconds (0..=86400); default 60. */
  maxSkewSeconds?: number | undefined;
}

/** Throws a RecallError on a bad Sign, stale RequestTime, foreign SdkAppid or malformed body. */
export function parseCallback(options: ParseCallbackOptions): CallbackEvent;

/**
 * A fetch `Request` as verifyCallbackRequest reads it (declared here so the types need no DOM
 * lib); at runtime it must be a real `Request` of the platform.
 */
export interface RequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
}

/** `parseCallback`'s options without `url` and `body`: those come from the Request. */
export type VerifyCallbackRequestOptions = Omit<ParseCallbackOptions, 'url' | 'body'>;

/**
 * Verify a webhook straight from a fetch `Request` (Workers, service workers, Node 18+):
 * reads its URL and body (at most 64 KiB, enforced while reading; a larger Content-Length is
 * refused before reading), refuses anything but POST. Never throws synchronously: rejects
 * with a RecallError (`invalid_input` for bad input, `auth` for a bad Sign or RequestTime).
 */
export function verifyCallbackRequest(request: RequestLike, options: VerifyCallbackRequestOptions): Promise<CallbackEvent>;

/** The exact acknowledgement the service expects: {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}. */
export function callbackAck(): string;
