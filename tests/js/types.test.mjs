// The TypeScript declarations (pkg/index.d.ts) against the compiler and against the runtime.
//
// 1. In the installed consumer project, strict programs that import 'chat-recall' by name
//    compile with `tsc -p` under moduleResolution "bundler" and "nodenext" (DOM lib), with
//    exactOptionalPropertyTypes, and with neither the DOM lib nor @types/node: every export used as the README documents it, plus
//    `// @ts-expect-error` lines for wrong usages. The same program with those directives
//    removed must fail on exactly those lines, each for the reason its directive names.
// 2. One table (SHAPES, INPUTS, SIGNATURES below) lists every field of every object the
//    package returns or reads, with its type. It is checked against the declarations (tsc:
//    same keys, same optionality, same types) and against the runtime (Node, against the
//    emulator): every key of a real object is declared with a matching value type, every
//    required key is present, every optional key shows up at least once, and every option
//    the runtime reads (recorded through a Proxy) is declared and vice versa. A drift on either
//    side fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedProject, importPackage, repo } from './install.mjs';
import { startEmulator } from './emulator.mjs';

const lib = await importPackage();
const APP = 1400000000;
const KEY = 'types-test-key';
const TOKEN = 'types-test-token';
const TSC = join(repo, 'node_modules', '.bin', 'tsc');

// ---------------------------------------------------------------------------------------
// The table. Type texts are TypeScript; for SHAPES they also drive the runtime check, so
// they use only: string, number, boolean, unknown, Uint8Array, 'literal', a SHAPES name,
// an ALIASES name, and `X[]` of those. A key ending in `?` is optional.

const ALIASES = {
  RecallErrorKind: ['invalid_input', 'auth', 'permission', 'not_found', 'rate_limited', 'server', 'network', 'timeout', 'aborted', 'protocol'],
  OptPlatform: ['RESTAPI', 'Web', 'Android', 'iOS', 'Windows', 'Mac', 'iPad', 'Unknown'],
  Region: ['china', 'singapore', 'seoul', 'tokyo', 'frankfurt', 'india', 'usa', 'jakarta'],
  RecallOutcome: ['recalled', 'failed', 'notSent', 'unknown'],
};

/** What the package returns. `base: 'Error'`: only the keys beyond Error's (plus `name`). */
const SHAPES = {
  GroupRecallReport: { groupId: 'string', 'topicId?': 'string', requested: 'number', recalled: 'number', failed: 'number', notSent: 'number', unknown: 'number', requests: 'number', retries: 'number', lookups: 'number', aborted: 'boolean', 'error?': 'RecallError', results: 'MessageOutcome[]' },
  MessageOutcome: { msgSeq: 'number', ok: 'boolean', outcome: 'RecallOutcome', code: 'number', message: 'string', attempts: 'number' },
  RecallProgress: { done: 'number', total: 'number', recalled: 'number', failed: 'number', notSent: 'number', unknown: 'number' },
  C2CRecallResult: { alreadyRecalled: 'boolean' },
  SenderRecallResult: { groupId: 'string', senderAccount: 'string', 'topicId?': 'string' },
  // dx: purgeSender's report is recallGroupMessages' plus these keys (base: a SHAPES name).
  PurgeSenderReport: { base: 'GroupRecallReport', senderAccount: 'string', scanned: 'PurgeScanStats' },
  PurgeScanStats: { pages: 'number', messages: 'number' },
  PurgeScanProgress: { phase: "'scan'", pages: 'number', messages: 'number', found: 'number' },
  PurgeRecallProgress: { base: 'RecallProgress', phase: "'recall'" },
  RequestInfo: { api: 'string', attempt: 'number', url: 'string', 'retryOf?': 'RetryCause' },
  RetryCause: { kind: 'RecallErrorKind', code: 'number' },
  GroupHistoryPage: { messages: 'GroupMessage[]', isFinished: 'boolean', 'nextBeforeSeq?': 'number', rangeComplete: 'boolean' },
  GroupMessage: { fromAccount: 'string', msgSeq: 'number', msgRandom: 'number', msgTimeStamp: 'number', isPlaceMsg: 'number', isSystemMsg: 'boolean', msgPriority: 'number', recalled: 'boolean', msgBody: 'unknown' },
  C2CHistoryPage: { messages: 'C2CMessage[]', complete: 'boolean', 'lastMsgKey?': 'string', 'lastMsgTime?': 'number' },
  C2CMessage: { fromAccount: 'string', toAccount: 'string', msgSeq: 'number', msgRandom: 'number', msgTimeStamp: 'number', msgFlagBits: 'number', msgKey: 'string', recalled: 'boolean', msgBody: 'unknown' },
  UserSigInfo: { time: 'number', expire: 'number', expiresAt: 'number', 'userBuf?': 'Uint8Array' },
  GroupRecallEvent: { callbackCommand: "'Group.CallbackAfterRecallMsg'", sdkAppId: 'number', 'clientIp?': 'string', 'optPlatform?': 'OptPlatform', 'requestTime?': 'number', 'eventTime?': 'number', operatorAccount: 'string', groupType: 'string', groupId: 'string', 'topicId?': 'string', msgSeqs: 'number[]' },
  C2CWithdrawEvent: { callbackCommand: "'C2C.CallbackAfterMsgWithDraw'", sdkAppId: 'number', 'clientIp?': 'string', 'optPlatform?': 'OptPlatform', 'requestTime?': 'number', 'eventTime?': 'number', fromAccount: 'string', toAccount: 'string', msgKey: 'string', unreadMsgNum: 'number' },
  RecallError: { base: 'Error', name: "'RecallError'", kind: 'RecallErrorKind', code: 'number', info: 'string', api: 'string', retryable: 'boolean', 'httpStatus?': 'number', 'report?': 'GroupRecallReport' },
};

/** What the package reads from the objects it is given. */
const INPUTS = {
  RecallClientOptions: { sdkAppId: 'number', identifier: 'string', 'userSig?': 'string', 'secretKey?': 'string', 'userSigTtlSeconds?': 'number', 'region?': 'Region', 'baseUrl?': 'string', 'maxRequestsPerSecond?': 'number', 'maxInFlight?': 'number', 'timeoutMs?': 'number', 'maxRetries?': 'number', 'abortGraceMs?': 'number', 'coldStartFactor?': 'number', 'coldStartMs?': 'number', 'coldStartProbe?': 'number', 'rateLimitRecoveryMs?': 'number', 'onRequest?': '(request: RequestInfo) => void', 'fetch?': 'FetchLike', 'rateGate?': 'RateGate' },
  RecallGroupMessagesArgs: { groupId: 'string', msgSeqs: '(Iterable<MsgSeqInput> | ArrayLike<MsgSeqInput>) & object', 'topicId?': 'string', 'reason?': 'string', 'signal?': 'AbortSignalLike', 'onProgress?': '(progress: RecallProgress) => void' },
  RecallGroupMessagesBySenderArgs: { groupId: 'string', senderAccount: 'string', 'topicId?': 'string', 'signal?': 'AbortSignalLike' },
  PurgeSenderArgs: { groupId: 'string', senderAccount: 'string', 'topicId?': 'string', 'since?': 'number', 'reason?': 'string', 'signal?': 'AbortSignalLike', 'onProgress?': '(progress: PurgeProgress) => void' },
  RecallC2CMessageArgs: { fromAccount: 'string', toAccount: 'string', msgKey: 'string', 'signal?': 'AbortSignalLike' },
  GetGroupHistoryArgs: { groupId: 'string', 'count?': 'number', 'beforeSeq?': 'MsgSeqInput', 'topicId?': 'string', 'withRecalled?': 'boolean', 'signal?': 'AbortSignalLike' },
  GetC2CHistoryArgs: { operatorAccount: 'string', peerAccount: 'string', minTime: 'number', maxTime: 'number', 'maxCount?': 'number', 'lastMsgKey?': 'string', 'signal?': 'AbortSignalLike' },
  GenerateUserSigOptions: { sdkAppId: 'number', secretKey: 'string', identifier: 'string', expireSeconds: 'number', 'userBuf?': 'string | ArrayBuffer | ArrayBufferView', 'now?': 'number' },
  VerifyUserSigOptions: { sdkAppId: 'number', secretKey: 'string', identifier: 'string', userSig: 'string', 'now?': 'number' },
  ParseCallbackOptions: { url: 'string', body: 'string | ArrayBuffer | ArrayBufferView', sdkAppId: 'number', 'token?': 'string', 'allowUnsigned?': 'true', 'now?': 'number', 'maxSkewSeconds?': 'number' },
  RecallErrorFields: { kind: 'RecallErrorKind', 'code?': 'number', 'info?': 'string', 'api?': 'string', 'retryable?': 'boolean', 'httpStatus?': 'number' },
};

/** The module's value exports and RecallClient's methods, as declared and at runtime. */
const VALUE_EXPORTS = ['RecallClient', 'RecallError', 'callbackAck', 'default', 'generateUserSig', 'init', 'initSync', 'parseCallback', 'verifyCallbackRequest', 'verifyUserSig'];
const CLIENT_METHODS = ['c2cHistory', 'free', 'getC2CHistory', 'getGroupHistory', 'groupHistory', 'purgeSender', 'recallC2CMessage', 'recallGroupMessages', 'recallGroupMessagesBySender'];
/** wasm-bindgen's own members of the class, not part of the API. */
const CLIENT_INTERNAL = ['constructor', '__destroy_into_raw'];

/** How the API ties the table together: [TypeScript type, the type it must equal]. */
const SIGNATURES = [
  ['keyof typeof M', VALUE_EXPORTS.map((k) => `'${k}'`).join(' | ')],
  ['Exclude<keyof M.RecallClient, symbol>', CLIENT_METHODS.map((k) => `'${k}'`).join(' | ')],
  ['Extract<keyof M.RecallClient, symbol>', 'typeof Symbol.dispose'],
  ['M.RecallClient[typeof Symbol.dispose]', '() => void'],
  ['typeof M.default', 'typeof M.init'],
  ['Parameters<typeof M.init>', '[input?: M.InitInput | Promise<M.InitInput> | undefined]'],
  ['ReturnType<typeof M.init>', 'Promise<void>'],
  ['ConstructorParameters<typeof M.RecallClient>', '[options: RecallClientOptions]'],
  ['Parameters<M.RecallClient["recallGroupMessages"]>', '[args: RecallGroupMessagesArgs]'],
  ['ReturnType<M.RecallClient["recallGroupMessages"]>', 'Promise<GroupRecallReport>'],
  ['Parameters<M.RecallClient["recallGroupMessagesBySender"]>', '[args: RecallGroupMessagesBySenderArgs]'],
  ['ReturnType<M.RecallClient["recallGroupMessagesBySender"]>', 'Promise<SenderRecallResult>'],
  ['Parameters<M.RecallClient["purgeSender"]>', '[args: PurgeSenderArgs]'],
  ['ReturnType<M.RecallClient["purgeSender"]>', 'Promise<PurgeSenderReport>'],
  ['Parameters<M.RecallClient["groupHistory"]>', '[args: GetGroupHistoryArgs]'],
  ['ReturnType<M.RecallClient["groupHistory"]>', 'AsyncGenerator<GroupMessage, void, undefined>'],
  ['Parameters<M.RecallClient["c2cHistory"]>', '[args: GetC2CHistoryArgs]'],
  ['ReturnType<M.RecallClient["c2cHistory"]>', 'AsyncGenerator<C2CMessage, void, undefined>'],
  ['M.PurgeProgress', 'PurgeScanProgress | PurgeRecallProgress'],
  ['Parameters<M.RecallClient["recallC2CMessage"]>', '[args: RecallC2CMessageArgs]'],
  ['ReturnType<M.RecallClient["recallC2CMessage"]>', 'Promise<C2CRecallResult>'],
  ['Parameters<M.RecallClient["getGroupHistory"]>', '[args: GetGroupHistoryArgs]'],
  ['ReturnType<M.RecallClient["getGroupHistory"]>', 'Promise<GroupHistoryPage>'],
  ['Parameters<M.RecallClient["getC2CHistory"]>', '[args: GetC2CHistoryArgs]'],
  ['ReturnType<M.RecallClient["getC2CHistory"]>', 'Promise<C2CHistoryPage>'],
  ['Parameters<typeof M.generateUserSig>', '[options: GenerateUserSigOptions]'],
  ['ReturnType<typeof M.generateUserSig>', 'string'],
  ['Parameters<typeof M.verifyUserSig>', '[options: VerifyUserSigOptions]'],
  ['ReturnType<typeof M.verifyUserSig>', 'UserSigInfo'],
  ['Parameters<typeof M.parseCallback>', '[options: ParseCallbackOptions]'],
  ['ReturnType<typeof M.parseCallback>', 'GroupRecallEvent | C2CWithdrawEvent'],
  ['M.CallbackEvent', 'GroupRecallEvent | C2CWithdrawEvent'],
  ['Parameters<typeof M.verifyCallbackRequest>', '[request: M.RequestLike, options: Omit<ParseCallbackOptions, "url" | "body">]'],
  ['ReturnType<typeof M.verifyCallbackRequest>', 'Promise<GroupRecallEvent | C2CWithdrawEvent>'],
  ['Parameters<typeof M.callbackAck>', '[]'],
  ['ReturnType<typeof M.callbackAck>', 'string'],
  ['ConstructorParameters<typeof M.RecallError>', '[fields: RecallErrorFields]'],
  ['M.MsgSeqInput', 'number | bigint | string'],
  ...Object.entries(ALIASES).map(([name, values]) => [`M.${name}`, values.map((v) => `'${v}'`).join(' | ')]),
];

// ---------------------------------------------------------------------------------------
// The table as TypeScript: one `const _n: Eq<A, B> = true;` per fact, so a mismatch is a
// compile error on a line we can name.

function tableProgram() {
  const names = [...new Set([...Object.keys(SHAPES), ...Object.keys(INPUTS), 'MsgSeqInput', 'AbortSignalLike', 'FetchLike', 'RateGate', 'RecallProgress', 'PurgeProgress', ...Object.keys(ALIASES)])];
  const lines = [
    `import type { ${names.join(', ')} } from 'chat-recall';`,
    `import type * as M from 'chat-recall';`,
    'type Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;',
    'type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];',
  ];
  const facts = [];
  const fact = (what, a, b) => {
    facts.push(what);
    lines.push(`export const _${facts.length}: Eq<${a}, ${b}> = true; // ${what}`);
  };
  const union = (ks) => (ks.length ? ks.map((k) => `'${k}'`).join(' | ') : 'never');
  for (const [name, table] of [...Object.entries(SHAPES), ...Object.entries(INPUTS)]) {
    const entries = Object.entries(table).filter(([k]) => k !== 'base');
    const base = table.base;
    const keys = entries.map(([k]) => k.replace(/\?$/, ''));
    const optional = entries.filter(([k]) => k.endsWith('?')).map(([k]) => k.slice(0, -1));
    if (base) {
      fact(`${name}: keys beyond ${base}'s`, `Exclude<keyof ${name}, keyof ${base}>`, union(keys.filter((k) => k !== 'name')));
      fact(`${name}: optional keys beyond ${base}'s`, `Exclude<OptionalKeys<${name}>, keyof ${base}>`, union(optional));
    } else {
      fact(`${name}: keys`, `keyof ${name}`, union(keys));
      fact(`${name}: optional keys`, `OptionalKeys<${name}>`, union(optional));
    }
    for (const [k, type] of entries) {
      const key = k.replace(/\?$/, '');
      const read = k.endsWith('?') ? `Exclude<${name}['${key}'], undefined>` : `${name}['${key}']`;
      fact(`${name}.${key}: ${type}`, read, `(${type})`);
      // The runtime reads an undefined option as absent: say so, for exactOptionalPropertyTypes.
      if (k.endsWith('?') && INPUTS[name]) fact(`${name}.${key} accepts undefined`, `{ ${key}: undefined } extends Pick<${name}, '${key}'> ? true : false`, 'true');
    }
  }
  for (const [a, b] of SIGNATURES) fact(`${a} is ${b}`, a, b);
  return { source: lines.join('\n') + '\n', facts };
}

// ---------------------------------------------------------------------------------------
// A strict program that uses every export as documented. Lines with `// @ts-expect-error
// [word] why` must be errors; with the directive removed, tsc must report an error on the
// next line that names `word` in its message or points at it (the column where it starts).

const PROGRAM = String.raw`
import init, { initSync, RecallClient, RecallError, generateUserSig, verifyUserSig, parseCallback, callbackAck } from 'chat-recall';
import type { RecallClientOptions, GroupRecallReport, MessageOutcome, CallbackEvent, RecallErrorKind, Region, GroupMessage, C2CMessage, UserSigInfo, RecallProgress } from 'chat-recall';

declare const wasmBytes: Uint8Array<ArrayBuffer>;
declare const serverSecret: string | undefined;
declare const seqs: number[];

// Browsers: await init() before anything else; other inputs as documented.
export async function start(): Promise<void> {
  await init();
  await init(new URL('./chat_recall_bg.wasm', 'https://example.test/app/'));
  await init('/assets/chat_recall_bg.wasm');
  await init(fetch('/assets/chat_recall_bg.wasm'));
  await init(await WebAssembly.compile(wasmBytes));
  initSync({ module: wasmBytes });
  initSync({ module: new WebAssembly.Module(wasmBytes) });
  // @ts-expect-error [module] initSync takes an options object
  initSync({ bytes: wasmBytes });
  // @ts-expect-error [42] init does not take a number
  await init(42);
}

export async function readme(): Promise<void> {
  // README, Node: the secret key may live here (typed string | undefined, as process.env is:
  // the options' union wants a string, so it is checked first).
  if (!serverSecret) throw new Error('set TENCENT_SECRET_KEY');
  const client = new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: serverSecret, region: 'singapore' });
  const report = await client.recallGroupMessages({ groupId: '@TGS#2J4SZEAEL', msgSeqs: seqs,
    onProgress: (p) => console.log(p.done + '/' + p.total) });
  for (const r of report.results) if (!r.ok) console.log(r.msgSeq, r.code, r.message);
  // README, browsers: a UserSig made on the server, a proxy through baseUrl.
  await init();
  const browser = new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig: 'sig', baseUrl: '/im-proxy' });
  browser.free();
}

// README, Workers.
interface Env { SDK_APP_ID: string; CALLBACK_TOKEN: string }
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const event = parseCallback({ url: request.url, body: await request.text(),
      sdkAppId: Number(env.SDK_APP_ID), token: env.CALLBACK_TOKEN });
    void event;
    return new Response(callbackAck(), { headers: { 'content-type': 'application/json' } });
  },
};

export async function everything(userSig: string): Promise<void> {
  const region: Region = 'frankfurt';
  const options: RecallClientOptions = {
    sdkAppId: 1400000000, identifier: 'administrator', secretKey: 'server-only', userSigTtlSeconds: 3600,
    baseUrl: 'http://127.0.0.1:9000', maxRequestsPerSecond: 200, maxInFlight: 16, timeoutMs: 5000, maxRetries: 3,
    fetch: (input, requestInit) => fetch(input, requestInit),
  };
  const client = new RecallClient(options);
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, region });
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, fetch });
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, rateGate: { acquire: async (api: string) => { void api; } } });
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, rateGate: { acquire() {} } });

  const controller = new AbortController();
  const progress: RecallProgress[] = [];
  const report: GroupRecallReport = await client.recallGroupMessages({
    groupId: '@TGS#_community', msgSeqs: [1, 2n, '3'], topicId: '@TGS#_community@TOPIC#general', reason: 'spam',
    signal: controller.signal, onProgress: (p) => { progress.push(p); },
  });
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: new Set([1, 2, 3]) });
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: (function* () { yield 1; yield 2n; })() });
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: { length: 1, 0: '1' } });
  const groupId: string = report.groupId;
  const topicId: string | undefined = report.topicId;
  const counts: number[] = [report.requested, report.recalled, report.failed, report.requests, report.retries];
  const outcomes: MessageOutcome[] = report.results;
  for (const r of outcomes) {
    const seq: number = r.msgSeq; const ok: boolean = r.ok; const code: number = r.code; const message: string = r.message;
    void [seq, ok, code, message];
  }
  for (const p of progress) { const n: number = p.done + p.total + p.recalled + p.failed; void n; }

  const bySender = await client.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'spammer', topicId: 't', signal: controller.signal });
  const nothing: [string, string, string | undefined] = [bySender.groupId, bySender.senderAccount, bySender.topicId];
  const c2c = await client.recallC2CMessage({ fromAccount: 'alice', toAccount: 'bob', msgKey: '1_2_3', signal: controller.signal });
  const already: boolean = c2c.alreadyRecalled;

  const page = await client.getGroupHistory({ groupId: 'g', count: 20, beforeSeq: 100, topicId: 't', withRecalled: true, signal: controller.signal });
  await client.getGroupHistory({ groupId: 'g', beforeSeq: 100n });
  await client.getGroupHistory({ groupId: 'g', beforeSeq: '100' });
  const messages: GroupMessage[] = page.messages;
  for (const m of messages) {
    const s: string = m.fromAccount;
    const n: number[] = [m.msgSeq, m.msgRandom, m.msgTimeStamp, m.isPlaceMsg, m.msgPriority];
    const b: boolean[] = [m.isSystemMsg, m.recalled];
    const body: unknown = m.msgBody;
    void [s, n, b, body];
  }
  const finished: boolean = page.isFinished;
  const rangeComplete: boolean = page.rangeComplete;
  if (page.nextBeforeSeq !== undefined) await client.getGroupHistory({ groupId: 'g', beforeSeq: page.nextBeforeSeq });

  const roam = await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 2000000000, maxCount: 100, lastMsgKey: '1_2_3', signal: controller.signal });
  const c2cMessages: C2CMessage[] = roam.messages;
  for (const m of c2cMessages) {
    const s: string[] = [m.fromAccount, m.toAccount, m.msgKey];
    const n: number[] = [m.msgSeq, m.msgRandom, m.msgTimeStamp, m.msgFlagBits];
    const b: boolean = m.recalled;
    const body: unknown = m.msgBody;
    void [s, n, b, body];
  }
  const complete: boolean = roam.complete;
  if (!roam.complete && roam.lastMsgKey !== undefined && roam.lastMsgTime !== undefined) {
    await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: roam.lastMsgTime, lastMsgKey: roam.lastMsgKey });
  }
  void [groupId, topicId, counts, nothing, already, finished, rangeComplete, complete];

  try {
    await client.recallGroupMessages({ groupId: 'g', msgSeqs: [0] });
  } catch (e) {
    if (e instanceof RecallError) {
      const err: Error = e;
      const name: 'RecallError' = e.name;
      const kind: RecallErrorKind = e.kind;
      switch (kind) {
        case 'invalid_input': case 'auth': case 'permission': case 'not_found': case 'rate_limited':
        case 'server': case 'network': case 'timeout': case 'aborted': case 'protocol': break;
        default: { const impossible: never = kind; void impossible; }
      }
      const code: number = e.code; const info: string = e.info; const api: string = e.api;
      const retryable: boolean = e.retryable; const status: number | undefined = e.httpStatus;
      const message: string = e.message;
      const partial: GroupRecallReport | undefined = e.report;
      if (e.report) for (const r of e.report.results) console.log(r.msgSeq, r.code);
      void [err, name, code, info, api, retryable, status, message, partial];
      // @ts-expect-error [read-only] RecallError fields are read-only
      e.code = 1;
      // @ts-expect-error [fatal] the kind is a closed union
      if (e.kind === 'fatal') console.log('never');
    }
  }
  const made = new RecallError({ kind: 'network', code: 0, info: 'offline', api: 'openim/admin_msgwithdraw', retryable: true, httpStatus: 502 });
  new RecallError({ kind: 'aborted' });
  void made;

  const sig: string = generateUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'administrator', expireSeconds: 86400, userBuf: 'room-7', now: 1700000000 });
  generateUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'a', expireSeconds: 60, userBuf: new Uint8Array([1, 2]) });
  generateUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'a', expireSeconds: 60, userBuf: new ArrayBuffer(2) });
  const info: UserSigInfo = verifyUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'administrator', userSig: sig, now: 1700000001 });
  const times: number[] = [info.time, info.expire, info.expiresAt];
  const userBuf: Uint8Array | undefined = info.userBuf;
  void [times, userBuf];

  const event: CallbackEvent = parseCallback({ url: '/callback?SdkAppid=1400000000', body: '{}', sdkAppId: 1400000000, token: 't', now: 1700000000, maxSkewSeconds: 60 });
  parseCallback({ url: '/callback', body: new TextEncoder().encode('{}'), sdkAppId: 1 });
  parseCallback({ url: '/callback', body: new ArrayBuffer(2), sdkAppId: 1 });
  const common: [number, string | undefined, string | undefined, number | undefined, number | undefined] =
    [event.sdkAppId, event.clientIp, event.optPlatform, event.requestTime, event.eventTime];
  void common;
  switch (event.callbackCommand) {
    case 'Group.CallbackAfterRecallMsg': {
      const seqs: number[] = event.msgSeqs;
      const s: string[] = [event.operatorAccount, event.groupType, event.groupId];
      const topic: string | undefined = event.topicId;
      void [seqs, s, topic];
      // @ts-expect-error [msgKey] only C2C events have a msgKey
      void event.msgKey;
      break;
    }
    case 'C2C.CallbackAfterMsgWithDraw': {
      const s: string[] = [event.fromAccount, event.toAccount, event.msgKey];
      const unread: number = event.unreadMsgNum;
      void [s, unread];
      // @ts-expect-error [msgSeqs] only group events have msgSeqs
      void event.msgSeqs;
      break;
    }
    default: {
      const impossible: never = event;
      void impossible;
    }
  }
  const ack: string = callbackAck();
  void ack;

  // Wrong usages the declarations must reject (the runtime rejects them too).
  // @ts-expect-error [groupId] groupId is required
  await client.recallGroupMessages({ msgSeqs: [1] });
  // @ts-expect-error [msgSeqs] msgSeqs is required
  await client.recallGroupMessages({ groupId: 'g' });
  // @ts-expect-error [boolean] msgSeqs of booleans
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: [true, false] });
  // @ts-expect-error [string] msgSeqs as one string (the runtime refuses strings)
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: '1,2,3' });
  // @ts-expect-error [onProgress] onProgress receives a RecallProgress
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: [1], onProgress: (p: string) => p });
  // @ts-expect-error [AbortSignal] signal must be an AbortSignal
  await client.recallGroupMessages({ groupId: 'g', msgSeqs: [1], signal: 'stop' });
  // @ts-expect-error [mars] unknown region
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, region: 'mars' });
  // @ts-expect-error [sdkAppId] sdkAppId is a number
  new RecallClient({ sdkAppId: '1400000000', identifier: 'administrator', userSig });
  // @ts-expect-error [identifier] identifier is required
  new RecallClient({ sdkAppId: 1400000000, userSig });
  // @ts-expect-error [timeoutMs] timeoutMs is a number
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, timeoutMs: '5s' });
  // @ts-expect-error [maxRetries] maxRetries is a number
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, maxRetries: true });
  // @ts-expect-error [rateGate] rateGate needs an acquire method
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, rateGate: {} });
  // @ts-expect-error [fetch] fetch is a function
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSig, fetch: 'https://example.test' });
  // @ts-expect-error [userSignature] no such option (a typo of userSig)
  new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', userSignature: userSig });
  // @ts-expect-error [groupId] getGroupHistory needs a groupId
  await client.getGroupHistory({ count: 5 });
  // @ts-expect-error [beforeSeq] beforeSeq is a MsgSeq
  await client.getGroupHistory({ groupId: 'g', beforeSeq: true });
  // @ts-expect-error [msgKey] recallC2CMessage needs a msgKey
  await client.recallC2CMessage({ fromAccount: 'alice', toAccount: 'bob' });
  // @ts-expect-error [minTime] getC2CHistory needs minTime
  await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', maxTime: 1 });
  // @ts-expect-error [senderAccount] recallGroupMessagesBySender needs the sender
  await client.recallGroupMessagesBySender({ groupId: 'g' });
  // @ts-expect-error [userSig] verifyUserSig needs the UserSig
  verifyUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'administrator' });
  // @ts-expect-error [expireSeconds] expireSeconds is a number
  generateUserSig({ sdkAppId: 1400000000, secretKey: 'key', identifier: 'a', expireSeconds: '1d' });
  // @ts-expect-error [body] a body is text or bytes
  parseCallback({ url: '/callback', body: 42, sdkAppId: 1400000000 });
  // @ts-expect-error [recalledCount] no such report field
  void report.recalledCount;
  // @ts-expect-error [msgSeqq] messages have no index signature: typos are caught
  void page.messages[0].msgSeqq;
  // @ts-expect-error [string] alreadyRecalled is a boolean
  const wrong: string = c2c.alreadyRecalled;
  void wrong;
  // @ts-expect-error [ok] recallGroupMessagesBySender resolves { groupId, senderAccount, topicId? }, no outcome
  const none: { ok: boolean } = await client.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' });
  void none;
}
`;

/** Programs that need no DOM lib and no @types/node: the declarations alone must compile. */
const BARE_PROGRAM = `
import init, { RecallClient, RecallError, generateUserSig, verifyUserSig, parseCallback, callbackAck, initSync } from 'chat-recall';
export async function main(bytes: Uint8Array): Promise<string> {
  await init(bytes);
  initSync({ module: bytes });
  const client = new RecallClient({ sdkAppId: 1, identifier: 'a', secretKey: 'k', region: 'usa', timeoutMs: 1000 });
  const report = await client.recallGroupMessages({ groupId: 'g', msgSeqs: [1, 2n, '3'], onProgress: (p) => void p.done });
  const page = await client.getGroupHistory({ groupId: 'g' });
  const sig = generateUserSig({ sdkAppId: 1, secretKey: 'k', identifier: 'a', expireSeconds: 60 });
  const event = parseCallback({ url: '/cb', body: bytes, sdkAppId: 1 });
  const err: RecallError | undefined = undefined;
  void [report.results[0]?.ok, page.messages, verifyUserSig({ sdkAppId: 1, secretKey: 'k', identifier: 'a', userSig: sig }).expiresAt, event.callbackCommand, err];
  return callbackAck();
}
`;

const CONFIGS = {
  bundler: { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'esnext.disposable', 'dom', 'dom.iterable'], files: ['program.ts', 'table.ts'] },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'esnext.disposable', 'dom', 'dom.iterable'], files: ['program.ts', 'table.ts'] },
  // Stricter users: optional inputs must still take `string | undefined` (README: process.env).
  exact: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'esnext.disposable', 'dom', 'dom.iterable'], files: ['program.ts', 'table.ts'], exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
  // Neither the DOM lib nor @types/node: the web types in index.d.ts must fall back.
  bare: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], files: ['bare.ts', 'table.ts'] },
  // The program with its @ts-expect-error directives removed (expected to fail).
  negative: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'esnext.disposable', 'dom', 'dom.iterable'], files: ['negative.ts'] },
};

function writeTsProject() {
  const dir = join(installedProject(), 'types-check');
  mkdirSync(dir, { recursive: true });
  const table = tableProgram();
  writeFileSync(join(dir, 'table.ts'), table.source);
  writeFileSync(join(dir, 'program.ts'), PROGRAM);
  writeFileSync(join(dir, 'bare.ts'), BARE_PROGRAM);
  // negative.ts: the same lines, directives blanked (line numbers kept).
  const expected = [];
  const negative = PROGRAM.split('\n').map((line, i) => {
    const m = line.match(/^\s*\/\/ @ts-expect-error \[([^\]]+)\]/);
    if (!m) return line;
    expected.push({ line: i + 2, word: m[1] }); // the next line, 1-based
    return '';
  });
  writeFileSync(join(dir, 'negative.ts'), negative.join('\n'));
  for (const [name, c] of Object.entries(CONFIGS)) {
    writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: c.module, moduleResolution: c.moduleResolution, lib: c.lib,
        types: [], skipLibCheck: false, isolatedModules: true, verbatimModuleSyntax: true, forceConsistentCasingInFileNames: true,
        exactOptionalPropertyTypes: c.exactOptionalPropertyTypes ?? false, noUncheckedIndexedAccess: c.noUncheckedIndexedAccess ?? false,
      },
      files: c.files,
    }, null, 2));
  }
  return { dir, facts: table.facts, expected };
}

function tsc(dir, config) {
  try {
    const out = execFileSync(TSC, ['-p', join(dir, `tsconfig.${config}.json`), '--pretty', 'false'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    return { code: e.status, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** tsc's diagnostics, grouped: { file, line, text (with continuation lines) }. */
function diagnostics(out) {
  const list = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^(\S+?)\((\d+),(\d+)\): error TS\d+: (.*)$/);
    if (m) list.push({ file: m[1], line: Number(m[2]), column: Number(m[3]), text: m[4] });
    else if (list.length && line.trim()) list.at(-1).text += `\n${line}`;
  }
  return list;
}

/** Maps "table.ts(N,…)" errors back to the fact they check. */
function explain(out, facts) {
  return diagnostics(out).map((d) => {
    const m = d.file.endsWith('table.ts') ? facts[d.line - 5] : undefined;
    return m ? `${d.file}:${d.line}: declarations differ from the table: ${m}` : `${d.file}:${d.line}: ${d.text}`;
  }).join('\n');
}

test('strict TypeScript programs compile against index.d.ts (bundler, nodenext, exactOptionalPropertyTypes, no DOM lib) and wrong usages are rejected', () => {
  const { dir, facts, expected } = writeTsProject();
  for (const config of ['bundler', 'nodenext', 'exact', 'bare']) {
    const r = tsc(dir, config);
    assert.equal(r.code, 0, `tsc -p tsconfig.${config}.json failed:\n${explain(r.out, facts)}`);
  }
  // Without the directives, exactly the marked lines fail, each for the reason it names.
  const r = tsc(dir, 'negative');
  assert.notEqual(r.code, 0);
  const errors = diagnostics(r.out);
  const source = readFileSync(join(dir, 'negative.ts'), 'utf8').split('\n');
  const unexpected = errors.filter((d) => !expected.some((x) => x.line === d.line));
  assert.deepEqual(unexpected, [], 'errors on lines not marked @ts-expect-error');
  assert.ok(expected.length >= 25, `only ${expected.length} negative cases`);
  for (const { line, word } of expected) {
    const here = errors.filter((d) => d.line === line);
    assert.ok(here.length > 0, `negative.ts:${line}: expected an error about "${word}", got none`);
    const names = (d) => d.text.includes(word) || source[line - 1].slice(d.column - 1).startsWith(word);
    assert.ok(here.some(names), `negative.ts:${line}: expected an error about "${word}", got:\n${here.map((d) => `(col ${d.column}) ${d.text}`).join('\n')}`);
  }
});

// ---------------------------------------------------------------------------------------
// The runtime side.

/** Checks `value` against a type text of the table; pushes problems to `problems`. */
function check(type, value, path, problems, seen) {
  const fail = (why) => problems.push(`${path}: ${why} (declared ${type}, got ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 120)})`);
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) return fail('not an array');
    value.forEach((v, i) => check(type.slice(0, -2), v, `${path}[${i}]`, problems, seen));
    return;
  }
  if (type === 'unknown') return;
  if (['string', 'number', 'boolean'].includes(type)) {
    if (typeof value !== type) fail(`typeof is ${typeof value}`);
    return;
  }
  if (type === 'Uint8Array') {
    if (!(value instanceof Uint8Array)) fail('not a Uint8Array');
    return;
  }
  const literal = type.match(/^'(.*)'$/);
  if (literal) {
    if (value !== literal[1]) fail('not this literal');
    return;
  }
  if (ALIASES[type]) {
    if (!ALIASES[type].includes(value)) fail(`not one of ${ALIASES[type].join(' | ')}`);
    return;
  }
  const shape = SHAPES[type];
  if (!shape) throw new Error(`the table uses an unknown type ${type}`);
  if (value === null || typeof value !== 'object') return fail('not an object');
  if (shape.base === 'Error' && !(value instanceof Error)) fail('not an Error');
  const inherited = SHAPES[shape.base] ? Object.entries(SHAPES[shape.base]) : [];
  const declared = new Map([...inherited, ...Object.entries(shape)].filter(([k]) => k !== 'base').map(([k, t]) => [k.replace(/\?$/, ''), { type: t, optional: k.endsWith('?') }]));
  for (const key of Object.keys(value)) {
    if (!declared.has(key)) problems.push(`${path}.${key}: present at runtime, not declared in ${type}`);
  }
  for (const [key, { type: t, optional }] of declared) {
    const has = Object.prototype.hasOwnProperty.call(value, key) || (shape.base && key in value);
    if (!has) {
      if (!optional) problems.push(`${path}.${key}: declared required in ${type}, missing at runtime`);
      continue;
    }
    if (optional && value[key] === undefined) problems.push(`${path}.${key}: present but undefined (declare it \`${key}?: T\` only when absent)`);
    seen.add(`${type}.${key}`);
    check(t, value[key], `${path}.${key}`, problems, seen);
  }
}

/** A Proxy that records which properties the runtime reads. */
function recording(target, reads) {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.get(t, key, receiver);
    },
  });
}

async function startReceiver() {
  const events = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        events.push(lib.parseCallback({ url: req.url, body: Buffer.concat(chunks), sdkAppId: APP, token: TOKEN }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(lib.callbackAck());
      } catch (e) {
        events.push(e);
        res.writeHead(401).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/callback`, events, close: () => new Promise((r) => server.close(r)) };
}

test('every object the runtime returns or reads matches the declarations (Node, against the emulator)', async () => {
  // The table must be the one index.d.ts is checked against (first test); here: the runtime.
  const dts = readFileSync(join(installedProject(), 'node_modules/chat-recall/index.d.ts'), 'utf8');
  for (const name of [...Object.keys(SHAPES), ...Object.keys(INPUTS)]) {
    assert.match(dts, new RegExp(`export (interface|class|type) ${name}\\b`), `index.d.ts exports no ${name}`);
  }

  const rx = await startReceiver();
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo', '--callback-url', rx.url, '--callback-token', TOKEN]);
  const samples = []; // [type, value, label]
  const reads = {}; // INPUTS name -> Set of keys the runtime read
  const readsOf = (name) => (reads[name] ??= new Set());
  const sample = (type, value, label) => samples.push([type, value, label]);
  try {
    // Module exports and the class's methods.
    assert.deepEqual(Object.keys(lib).sort(), [...VALUE_EXPORTS].sort(), 'value exports');
    for (const k of VALUE_EXPORTS) assert.equal(typeof lib[k], 'function', `${k} is a function`);
    assert.equal(lib.default, lib.init);
    assert.deepEqual(Object.getOwnPropertyNames(lib.RecallClient.prototype).filter((k) => !CLIENT_INTERNAL.includes(k)).sort(), CLIENT_METHODS, 'RecallClient methods');
    assert.equal(await lib.init(), undefined, 'init() resolves to undefined in Node');

    const userSig = lib.generateUserSig(recording({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 3600, userBuf: 'types', now: Math.floor(Date.now() / 1000) }, readsOf('GenerateUserSigOptions')));
    assert.equal(typeof userSig, 'string');
    sample('UserSigInfo', lib.verifyUserSig(recording({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', userSig, now: Math.floor(Date.now() / 1000) }, readsOf('VerifyUserSigOptions'))), 'verifyUserSig (with userBuf)');
    sample('UserSigInfo', lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', userSig: lib.generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', expireSeconds: 60 }) }), 'verifyUserSig');

    let fetches = 0;
    const requestInfos = [];
    const client = new lib.RecallClient(recording({
      sdkAppId: APP, identifier: 'administrator', userSig, secretKey: KEY, userSigTtlSeconds: 3600, region: undefined,
      baseUrl: emu.baseUrl, maxRequestsPerSecond: 200, maxInFlight: 8, timeoutMs: 5000, maxRetries: 2, rateGate: undefined, abortGraceMs: undefined, coldStartFactor: undefined, coldStartMs: undefined, coldStartProbe: undefined, rateLimitRecoveryMs: undefined,
      fetch: (url, init) => { fetches++; return fetch(url, init); },
      onRequest: (info) => { if (requestInfos.length < 3) sample('RequestInfo', info, 'onRequest'); requestInfos.push(info); },
    }, readsOf('RecallClientOptions')));

    // A retry's RequestInfo: the first fetch fails on the network, the retry says so.
    let failedOnce = false;
    const flaky = new lib.RecallClient({
      sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: emu.baseUrl,
      fetch: (url, init) => { if (!failedOnce) { failedOnce = true; return Promise.reject(new TypeError('fetch failed')); } return fetch(url, init); },
      onRequest: (info) => { if (info.attempt > 0) { sample('RequestInfo', info, 'onRequest (a retry)'); sample('RetryCause', info.retryOf, 'onRequest retryOf'); } },
    });
    await flaky.getGroupHistory({ groupId: 'demo-public', count: 1 });
    flaky.free();
    assert.ok(samples.some(([t, v]) => t === 'RequestInfo' && v.retryOf?.kind === 'network'), 'a retry names its cause');

    const page = await client.getGroupHistory(recording({ groupId: 'demo-public', count: 5, beforeSeq: undefined, topicId: undefined, withRecalled: false, signal: new AbortController().signal }, readsOf('GetGroupHistoryArgs')));
    sample('GroupHistoryPage', page, 'getGroupHistory (a middle page)');
    sample('GroupHistoryPage', await client.getGroupHistory({ groupId: 'demo-public', count: 5, beforeSeq: 3 }), 'getGroupHistory (the last page)');
    const seqs = page.messages.map((m) => m.msgSeq);

    const progress = [];
    const report = await client.recallGroupMessages(recording({
      groupId: 'demo-public', msgSeqs: [...seqs, 999999], topicId: undefined, reason: 'types test',
      signal: new AbortController().signal, onProgress: (p) => progress.push(p),
    }, readsOf('RecallGroupMessagesArgs')));
    sample('GroupRecallReport', report, 'recallGroupMessages');
    assert.equal(report.recalled, seqs.length);
    for (const p of progress) sample('RecallProgress', p, 'onProgress');
    assert.ok(progress.length > 0);

    const topic = '@TGS#_demo-community@TOPIC#general';
    const topicPage = await client.getGroupHistory({ groupId: '@TGS#_demo-community', topicId: topic, count: 3 });
    sample('GroupHistoryPage', topicPage, 'getGroupHistory (topic)');
    sample('GroupRecallReport', await client.recallGroupMessages({ groupId: '@TGS#_demo-community', topicId: topic, msgSeqs: topicPage.messages.map((m) => m.msgSeq) }), 'recallGroupMessages (topic)');
    sample('GroupHistoryPage', await client.getGroupHistory({ groupId: 'demo-public', count: 20, withRecalled: true }), 'getGroupHistory (withRecalled)');

    const sender = (await client.getGroupHistory({ groupId: 'demo-private', count: 1 })).messages[0].fromAccount;
    sample('SenderRecallResult', await client.recallGroupMessagesBySender(recording({ groupId: 'demo-private', senderAccount: sender, topicId: undefined, signal: undefined }, readsOf('RecallGroupMessagesBySenderArgs'))), 'recallGroupMessagesBySender');
    sample('SenderRecallResult', await client.recallGroupMessagesBySender({ groupId: '@TGS#_demo-community', senderAccount: sender, topicId: topic }), 'recallGroupMessagesBySender (topic)');
    const purgeProgress = [];
    const purged = await client.purgeSender(recording({ groupId: 'demo-chatroom', senderAccount: 'alice', topicId: undefined, since: 0, reason: 'types test', signal: undefined, onProgress: (p) => purgeProgress.push(p) }, readsOf('PurgeSenderArgs')));
    sample('PurgeSenderReport', purged, 'purgeSender');
    assert.ok(purged.recalled > 0);
    for (const p of purgeProgress) sample(p.phase === 'scan' ? 'PurgeScanProgress' : 'PurgeRecallProgress', p, `purgeSender onProgress (${p.phase})`);
    for await (const m of client.groupHistory({ groupId: 'demo-private', count: 7 })) sample('GroupMessage', m, 'groupHistory');
    for await (const m of client.c2cHistory({ operatorAccount: 'alice', peerAccount: 'carol', minTime: 0, maxTime: 4000000000, maxCount: 7 })) sample('C2CMessage', m, 'c2cHistory');

    const roam = await client.getC2CHistory(recording({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 2, lastMsgKey: undefined, signal: undefined }, readsOf('GetC2CHistoryArgs')));
    sample('C2CHistoryPage', roam, 'getC2CHistory (first page)');
    sample('C2CHistoryPage', await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: roam.lastMsgTime, lastMsgKey: roam.lastMsgKey, maxCount: 100 }), 'getC2CHistory (next page)');
    const m = roam.messages[0];
    const withdraw = { fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey, signal: undefined };
    sample('C2CRecallResult', await client.recallC2CMessage(recording(withdraw, readsOf('RecallC2CMessageArgs'))), 'recallC2CMessage');
    const again = await client.recallC2CMessage(withdraw);
    sample('C2CRecallResult', again, 'recallC2CMessage (again)');
    assert.equal(again.alreadyRecalled, true);
    sample('C2CHistoryPage', await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 1 }), 'getC2CHistory (a recalled message)');

    // RecallErrors: invalid input (no HTTP), a service error (HTTP), a rejected bulk job (report).
    const errors = [];
    const catching = async (label, f) => {
      try { await f(); } catch (e) { errors.push(label); sample('RecallError', e, label); return e; }
      throw new Error(`${label}: did not throw`);
    };
    await catching('RecallError: invalid msgSeqs', () => client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [true] }));
    await catching('RecallError: constructor options', () => new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator' }));
    await catching('RecallError: unknown group', () => client.getGroupHistory({ groupId: 'no-such-group' }));
    const badSig = new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', userSig: 'not-a-usersig', baseUrl: emu.baseUrl, maxRetries: 0 });
    await catching('RecallError: bad UserSig', () => badSig.getGroupHistory({ groupId: 'demo-public' }));
    // A group-wide error resolves with the report (something was sent); the error is on it.
    const whole = await client.recallGroupMessages({ groupId: 'no-such-group', msgSeqs: [1, 2] });
    sample('GroupRecallReport', whole, 'recallGroupMessages (group-wide failure)');
    assert.equal(whole.requested, 2);
    assert.ok(whole.error instanceof lib.RecallError);
    const ac = new AbortController(); ac.abort();
    const aborted = await catching('RecallError: aborted', () => client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1], signal: ac.signal }));
    assert.equal(aborted.kind, 'aborted');
    await catching('RecallError: verifyUserSig mismatch', () => lib.verifyUserSig({ sdkAppId: APP, secretKey: 'other', identifier: 'administrator', userSig }));
    await catching('RecallError: parseCallback bad Sign', () => lib.parseCallback({ url: `/cb?SdkAppid=${APP}&RequestTime=1&Sign=00`, body: '{}', sdkAppId: APP, token: TOKEN, now: 1 }));
    for (const [, e] of samples.filter(([t]) => t === 'RecallError')) assert.ok(e instanceof lib.RecallError, 'instanceof RecallError');
    const made = new lib.RecallError(recording({ kind: 'network', code: 7, info: 'i', api: 'a', retryable: true, httpStatus: 502 }, readsOf('RecallErrorFields')));
    sample('RecallError', made, 'new RecallError(fields)');
    client.free();
    badSig.free();
    assert.ok(fetches > 0, 'the fetch option was used');
    assert.equal(requestInfos.length, fetches, 'onRequest sees every request');
    assert.ok(requestInfos.every((i) => !i.url.includes(userSig) && /usersig=REDACTED/.test(i.url)), 'no UserSig reaches the hook');

    // Webhooks of both kinds, as the emulator signs them; and one built here with every option.
    const t0 = Date.now();
    while (rx.events.filter((e) => !(e instanceof Error)).length < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rx.events.filter((e) => e instanceof Error), [], 'the receiver rejected a callback');
    const kinds = new Set(rx.events.map((e) => e.callbackCommand));
    assert.deepEqual([...kinds].sort(), ['C2C.CallbackAfterMsgWithDraw', 'Group.CallbackAfterRecallMsg']);
    for (const e of rx.events) sample(e.callbackCommand === 'C2C.CallbackAfterMsgWithDraw' ? 'C2CWithdrawEvent' : 'GroupRecallEvent', e, `webhook ${e.callbackCommand}`);
    const now = Math.floor(Date.now() / 1000);
    const sign = createHash('sha256').update(TOKEN + now).digest('hex');
    const own = lib.parseCallback(recording({
      url: `/cb?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&contenttype=json&ClientIP=10.0.0.1&OptPlatform=iOS&RequestTime=${now}&Sign=${sign}`,
      body: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'a', To_Account: 'b', MsgKey: '1_2_3', EventTime: now * 1000 }),
      sdkAppId: APP, token: TOKEN, now, maxSkewSeconds: 60,
    }, readsOf('ParseCallbackOptions')));
    sample('C2CWithdrawEvent', own, 'parseCallback (C2C, no UnreadMsgNum)');
    // Reads are recorded on own properties only (a prototype is never consulted), so the
    // unsigned variant is recorded too.
    const bare = lib.parseCallback(recording({ url: `/cb?SdkAppid=${APP}`, body: '{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[{"MsgSeq":1}]}', sdkAppId: APP, allowUnsigned: true }, readsOf('ParseCallbackOptions')));
    sample('GroupRecallEvent', bare, 'parseCallback (group, minimal)');
  } finally {
    await emu.stop();
    await rx.close();
  }

  const problems = [];
  const seen = new Set();
  for (const [type, value, label] of samples) check(type, value, label, problems, seen);
  assert.deepEqual(problems, [], 'runtime objects that differ from the declarations');

  // Every declared field was seen at runtime at least once (optional ones included).
  const reached = new Set(samples.map(([t]) => t));
  const nested = { GroupMessage: 'GroupHistoryPage', C2CMessage: 'C2CHistoryPage', MessageOutcome: 'GroupRecallReport', PurgeScanStats: 'PurgeSenderReport' };
  const unseen = [];
  for (const [type, shape] of Object.entries(SHAPES)) {
    assert.ok(reached.has(type) || reached.has(nested[type]), `no runtime sample of ${type}`);
    for (const k of Object.keys(shape)) if (k !== 'base' && !seen.has(`${type}.${k.replace(/\?$/, '')}`)) unseen.push(`${type}.${k}`);
  }
  assert.deepEqual(unseen, [], 'declared fields never seen at runtime');

  // What the runtime reads from the objects it is given is exactly what is declared.
  for (const [name, table] of Object.entries(INPUTS)) {
    const declared = Object.keys(table).map((k) => k.replace(/\?$/, '')).sort();
    assert.ok(reads[name], `no recorded reads of ${name}`);
    const read = [...reads[name]].filter((k) => k !== 'then').sort();
    assert.deepEqual(read, declared, `${name}: keys the runtime reads vs keys declared`);
  }
});
