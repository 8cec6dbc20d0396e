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
   * On a rejected `recallGroupMessages` (aborted, or nothing recalled because of an error that
   * holds for the whole group): the full accounting, one outcome per MsgSeq.
   */
  readonly report?: GroupRecallReport;
}

export type Region = 'china' | 'singapore' | 'seoul' | 'tokyo' | 'frankfurt' | 'india' | 'usa' | 'jakarta';

export interface RecallClientOptions {
  /** The app's SDKAppID (1..=4294967295). */
  sdkAppId: number;
  /** The app admin account the requests are made as. */
  identifier: string;
  /** A ready UserSig for `identifier`; used as is. One of `userSig` and `secretKey` is required. */
  userSig?: string | undefined;
  /** Server side only (Node, Workers): sign and renew UserSigs. Refused in a browser page. */
  secretKey?: string | undefined;
  /** Lifetime of self-signed UserSigs in seconds (at least 60); default 86400. */
  userSigTtlSeconds?: number | undefined;
  /** Data-centre region; default "china". Not together with `baseUrl`. */
  region?: Region | undefined;
  /** Instead of region: a proxy or the emulator, e.g. "http://127.0.0.1:9000". */
  baseUrl?: string | undefined;
  /** Request starts per second per API (0.1..=100000), paced evenly; default 200 (the service's limit). */
  maxRequestsPerSecond?: number | undefined;
  /** Concurrent requests at most (1..=1024). */
  maxInFlight?: number | undefined;
  /** Per-attempt timeout in milliseconds; default 10000. */
  timeoutMs?: number | undefined;
  /** Retries per request for retryable failures (0..=20). */
  maxRetries?: number | undefined;
  /** The fetch to use; default the global fetch. */
  fetch?: FetchLike | undefined;
}

/** A message sequence number: a positive safe integer, a bigint, or a decimal string. */
export type MsgSeqInput = number | bigint | string;

export interface RecallProgress { done: number; total: number; recalled: number; failed: number }

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
  ok: boolean;
  /**
   * 0 on success; otherwise the service's RetCode/ErrorCode (e.g. 10030 not found, 10031 too
   * old), or our own: -1 the service did not report the message, -2 aborted, -3 no answer
   * (network, timeout, HTTP error; `message` says which).
   */
  code: number;
  message: string;
}

export interface GroupRecallReport {
  groupId: string;
  /** Present when the call had a `topicId`. */
  topicId?: string;
  /** Distinct MsgSeqs asked for. */
  requested: number;
  recalled: number;
  failed: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  /** One per distinct MsgSeq, in first-seen order. */
  results: MessageOutcome[];
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

export class RecallClient {
  /** Throws a RecallError (`invalid_input`, naming the field) for bad options. */
  constructor(options: RecallClientOptions);
  recallGroupMessages(args: RecallGroupMessagesArgs): Promise<GroupRecallReport>;
  recallGroupMessagesBySender(args: RecallGroupMessagesBySenderArgs): Promise<void>;
  recallC2CMessage(args: RecallC2CMessageArgs): Promise<C2CRecallResult>;
  getGroupHistory(args: GetGroupHistoryArgs): Promise<GroupHistoryPage>;
  getC2CHistory(args: GetC2CHistoryArgs): Promise<C2CHistoryPage>;
  /**
   * Release the client's wasm memory now (otherwise it is released when collected). Later
   * calls reject with a RecallError of kind "invalid_input"; a second free() does nothing.
   */
  free(): void;
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
  /** The callback token: when given, Sign and RequestTime are checked. */
  token?: string | undefined;
  /** Unix seconds to check RequestTime against; default now. */
  now?: number | undefined;
  /** Allowed RequestTime skew in seconds (0..=86400); default 60. */
  maxSkewSeconds?: number | undefined;
}

/** Throws a RecallError on a bad Sign, stale RequestTime, foreign SdkAppid or malformed body. */
export function parseCallback(options: ParseCallbackOptions): CallbackEvent;

/** The exact acknowledgement the service expects: {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}. */
export function callbackAck(): string;
