// Type declarations for chat-recall. Hand-written to match the runtime behaviour exactly.

/** Load the WebAssembly module. Required once in browsers; a no-op in Node and Workers. */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
export default init;
/** Instantiate synchronously from bytes or a compiled module (what the Node and Workers entries do). */
export function initSync(options: { module: BufferSource | WebAssembly.Module }): unknown;

export type RecallErrorKind =
  | 'invalid_input' | 'auth' | 'permission' | 'not_found' | 'rate_limited'
  | 'server' | 'network' | 'timeout' | 'aborted' | 'protocol';

/** The one error class the library throws. */
export class RecallError extends Error {
  constructor(fields: {
    kind: RecallErrorKind; code?: number; info?: string; api?: string;
    retryable?: boolean; httpStatus?: number;
  });
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
  /** A ready UserSig for `identifier`; used as is. */
  userSig?: string;
  /** Server side only (Node, Workers): sign and renew UserSigs. Never ship it to a browser. */
  secretKey?: string;
  /** Lifetime of self-signed UserSigs; default 86400. */
  userSigTtlSeconds?: number;
  /** Data-centre region; default "china". */
  region?: Region;
  /** Instead of region: a proxy or the emulator, e.g. "http://127.0.0.1:9000". */
  baseUrl?: string;
  /** Request starts per second per API, paced evenly; default 200 (the service's limit). */
  maxRequestsPerSecond?: number;
  /** Concurrent requests at most. */
  maxInFlight?: number;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number;
  /** Retries per request for retryable failures. */
  maxRetries?: number;
  /** The fetch to use; default the global fetch. */
  fetch?: typeof fetch;
}

/** A message sequence number: a positive safe integer, a bigint, or a decimal string. */
export type MsgSeqInput = number | bigint | string;

export interface RecallProgress { done: number; total: number; recalled: number; failed: number }

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
  msgBody: unknown;
  [field: string]: unknown;
}

export interface C2CMessage {
  fromAccount: string;
  toAccount: string;
  msgSeq: number;
  msgRandom: number;
  msgTimeStamp: number;
  msgFlagBits: number;
  msgKey: string;
  recalled: boolean;
  msgBody: unknown;
  [field: string]: unknown;
}

export class RecallClient {
  constructor(options: RecallClientOptions);
  recallGroupMessages(args: {
    groupId: string;
    msgSeqs: Iterable<MsgSeqInput> | ArrayLike<MsgSeqInput>;
    topicId?: string;
    reason?: string;
    signal?: AbortSignal;
    onProgress?: (progress: RecallProgress) => void;
  }): Promise<GroupRecallReport>;
  recallGroupMessagesBySender(args: {
    groupId: string; senderAccount: string; topicId?: string; signal?: AbortSignal;
  }): Promise<void>;
  recallC2CMessage(args: {
    fromAccount: string; toAccount: string; msgKey: string; signal?: AbortSignal;
  }): Promise<{ alreadyRecalled: boolean }>;
  getGroupHistory(args: {
    groupId: string; count?: number; beforeSeq?: MsgSeqInput; topicId?: string;
    withRecalled?: boolean; signal?: AbortSignal;
  }): Promise<{
    /** Newest first. */
    messages: GroupMessage[];
    /** No older messages remain (the page was empty or reached MsgSeq 1). */
    isFinished: boolean;
    /** Pass as `beforeSeq` for the next, older page. */
    nextBeforeSeq?: number;
    /** The service's IsFinished == 1: the requested range came back whole. */
    rangeComplete: boolean;
  }>;
  getC2CHistory(args: {
    operatorAccount: string; peerAccount: string; minTime: number; maxTime: number;
    maxCount?: number; lastMsgKey?: string; signal?: AbortSignal;
  }): Promise<{
    messages: C2CMessage[];
    /** Every message in the time range was returned; otherwise continue with
     *  `maxTime: lastMsgTime, lastMsgKey`. */
    complete: boolean;
    lastMsgKey?: string;
    lastMsgTime?: number;
  }>;
  /** Release the client's resources; later calls reject. */
  free(): void;
}

export function generateUserSig(options: {
  sdkAppId: number; secretKey: string; identifier: string; expireSeconds: number;
  userBuf?: string | Uint8Array | ArrayBuffer; now?: number;
}): string;

export function verifyUserSig(options: {
  sdkAppId: number; secretKey: string; identifier: string; userSig: string; now?: number;
}): { time: number; expire: number; expiresAt: number; userBuf?: Uint8Array };

export type CallbackEvent =
  | {
      callbackCommand: 'Group.CallbackAfterRecallMsg';
      sdkAppId: number; clientIp?: string; optPlatform?: string; requestTime?: number;
      operatorAccount: string; groupType: string; groupId: string; topicId?: string;
      msgSeqs: number[]; eventTime?: number;
    }
  | {
      callbackCommand: 'C2C.CallbackAfterMsgWithDraw';
      sdkAppId: number; clientIp?: string; optPlatform?: string; requestTime?: number;
      fromAccount: string; toAccount: string; msgKey: string; unreadMsgNum?: number;
      eventTime?: number;
    };

export function parseCallback(options: {
  url: string; body: string | Uint8Array | ArrayBuffer; sdkAppId: number;
  token?: string; now?: number; maxSkewSeconds?: number;
}): CallbackEvent;

/** The exact acknowledgement the service expects: {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}. */
export function callbackAck(): string;
