// The Worker that tests/js/workerd.test.mjs runs in real workerd (wrangler dev --local).
// It is copied next to a wrangler config inside a project where `chat-recall` is installed
// from its tarball, so the import below resolves by name through the package's "exports"
// map (wrangler's bundler picks the `workerd` condition). No nodejs_compat.
// Named imports only, as users write them (README): no namespace import and no `init`,
// which would keep the loader module alive in the bundle for another reason than its
// side effect (the module-level initSync) and hide a tree-shaken loader.
// Not a test file itself: node --test only runs *.test.mjs.
import * as clock from './workerd-clock.mjs'; // first: marks the time before chat-recall loads
import { RecallClient, RecallError, generateUserSig, verifyUserSig, parseCallback, callbackAck } from 'chat-recall';
import wasmModule from 'chat-recall/chat_recall_bg.wasm';

const moduleReady = performance.now(); // chat-recall evaluated: initSync has run
let requests = 0;

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

/** Everything the test checks about an error thrown inside workerd. */
function describe(e) {
  return {
    isRecallError: e instanceof RecallError,
    isError: e instanceof Error,
    name: e?.name, kind: e?.kind, code: e?.code, info: e?.info, api: e?.api,
    retryable: e?.retryable, httpStatus: e?.httpStatus, message: e?.message,
    hasStack: typeof e?.stack === 'string' && e.stack.length > 0,
  };
}

async function caught(fn) {
  try { await fn(); return { threw: false }; } catch (e) { return { threw: true, ...describe(e) }; }
}

/** Date.now() in workerd only advances across I/O; a fetch to the emulator is the fence. */
async function fence(env) { await (await fetch(`${env.EMULATOR_URL}/_emulator/health`)).arrayBuffer(); }

function clientOptions(env, extra = {}) {
  return { sdkAppId: Number(env.SDK_APP_ID), identifier: 'administrator', secretKey: env.SECRET_KEY, baseUrl: env.EMULATOR_URL, ...extra };
}

const routes = {
  // First request: proves the module-level initSync ran (no init() call anywhere here).
  async 'GET /boot'(req, env) {
    // Wasm-backed calls work at once: the browser entry (index.js) would need `await
    // init()` first, the Node one (node.js) would not even bundle without nodejs_compat.
    const sig = generateUserSig({ sdkAppId: 1400000000, secretKey: 'boot', identifier: 'a', expireSeconds: 60 });
    return json({
      firstRequest: requests === 1,
      sigLength: sig.length,
      ack: callbackAck(),
      recallErrorIsError: RecallError.prototype instanceof Error,
      globals: {
        process: typeof globalThis.process, setTimeout: typeof setTimeout, AbortController: typeof AbortController,
        fetch: typeof fetch, getRandomValues: typeof crypto?.getRandomValues, userAgent: globalThis.navigator?.userAgent,
        window: typeof globalThis.window, document: typeof globalThis.document,
      },
    });
  },

  // Timings inside workerd: the package's module evaluation (initSync on import) as seen
  // from the module clock marks around it, and fresh WebAssembly.Instances of its module.
  // Production workerd moves its clock only across I/O; then the instances are timed
  // between two I/O fences (fetches to the emulator), minus the fences alone.
  async 'GET /instantiate'(req, env) {
    const n = Number(new URL(req.url).searchParams.get('n') ?? 20);
    const imports = {};
    for (const imp of WebAssembly.Module.imports(wasmModule)) {
      imports[imp.module] ??= {};
      if (imp.kind === 'function') imports[imp.module][imp.name] = () => { throw new Error('stub'); };
      else if (imp.kind === 'table') imports[imp.module][imp.name] = new WebAssembly.Table({ initial: 128, element: 'externref' });
      else if (imp.kind === 'memory') imports[imp.module][imp.name] = new WebAssembly.Memory({ initial: 17 });
    }
    const instantiate = () => { for (let i = 0; i < n; i++) new WebAssembly.Instance(wasmModule, imports); };
    // Is the clock frozen? A burst of computation with no I/O in between.
    const a = performance.now();
    for (let i = 0; i < 300; i++) generateUserSig({ sdkAppId: 1400000000, secretKey: 'k', identifier: `u${i}`, expireSeconds: 60 });
    const frozen = performance.now() - a === 0;
    const rounds = 5;
    let perInstanceMs;
    if (!frozen) {
      instantiate();
      const s = performance.now();
      for (let r = 0; r < rounds; r++) instantiate();
      perInstanceMs = (performance.now() - s) / rounds / n;
    } else {
      const timeFenced = async (work) => {
        await fence(env);
        const t0 = Date.now();
        work();
        await fence(env);
        return Date.now() - t0;
      };
      await timeFenced(() => {});
      let empty = 0; let full = 0;
      for (let r = 0; r < rounds; r++) {
        empty += await timeFenced(() => {});
        full += await timeFenced(instantiate);
      }
      perInstanceMs = Math.max(0, full - empty) / rounds / n;
    }
    return json({
      n, rounds, clockFrozen: frozen, perInstanceMs,
      // workerd also stands its clock still while evaluating the global scope: then 0.
      moduleEvalMs: moduleReady - clock.t0,
    });
  },

  async 'POST /usersig'(req) {
    const args = await req.json();
    const userSig = generateUserSig(args);
    const info = verifyUserSig({ sdkAppId: args.sdkAppId, secretKey: args.secretKey, identifier: args.identifier, userSig, now: args.now });
    const wrongKey = await caught(() => verifyUserSig({ sdkAppId: args.sdkAppId, secretKey: `${args.secretKey}x`, identifier: args.identifier, userSig, now: args.now }));
    return json({ userSig, info, wrongKey });
  },

  // The webhook receiver: verify, parse, acknowledge with the exact ack text.
  async 'POST /callback'(req) {
    const now = req.headers.get('x-now');
    try {
      const event = parseCallback({ url: req.url, body: await req.text(), sdkAppId: 1400000000, token: req.headers.get('x-token') ?? undefined, now: now === null ? undefined : Number(now) });
      return new Response(callbackAck(), { headers: { 'content-type': 'application/json', 'x-event': JSON.stringify(event) } });
    } catch (e) {
      return json(describe(e), 401);
    }
  },

  // The README's Worker, bundled on its own (workerd-readme-worker.mjs, a service binding):
  // its named imports alone must keep the loader and its initSync in the bundle.
  async 'POST /readme/callback'(req, env) {
    const url = new URL(req.url);
    url.pathname = '/callback';
    return env.README.fetch(new Request(url, req));
  },

  // History from the emulator, then recall what it listed (plus a seq that does not exist).
  async 'POST /recall'(req, env) {
    const { groupId } = await req.json();
    const client = new RecallClient(clientOptions(env));
    const history = await client.getGroupHistory({ groupId, count: 20 });
    const seqs = history.messages.map((m) => m.msgSeq);
    const progress = [];
    const report = await client.recallGroupMessages({ groupId, msgSeqs: [...seqs, 999999], onProgress: (p) => progress.push(p) });
    const after = await client.getGroupHistory({ groupId, count: 20, withRecalled: true });
    return json({ seqs, report, progress, recalledMarks: after.messages.filter((m) => m.recalled).length });
  },

  // A bulk recall: the pacer sleeps with setTimeout and reads the clock between requests.
  async 'POST /bulk'(req, env) {
    const { groupId, count, maxRequestsPerSecond } = await req.json();
    const client = new RecallClient(clientOptions(env, maxRequestsPerSecond ? { maxRequestsPerSecond } : {}));
    const t0 = Date.now();
    const report = await client.recallGroupMessages({ groupId, msgSeqs: Array.from({ length: count }, (_, i) => i + 1) });
    return json({ report, workerElapsedMs: Date.now() - t0 });
  },

  async 'GET /errors'(req, env) {
    const out = {};
    out.badSdkAppId = await caught(() => generateUserSig({ sdkAppId: -1, secretKey: 'k', identifier: 'a', expireSeconds: 60 }));
    out.noCredentials = await caught(() => new RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', baseUrl: env.EMULATOR_URL }));
    const client = new RecallClient(clientOptions(env));
    out.badMsgSeq = await caught(() => client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1, 0] }));
    out.badCallbackBody = await caught(() => parseCallback({ url: 'https://x/cb?SdkAppid=1400000000', body: 'not json', sdkAppId: 1400000000 }));
    const ac = new AbortController(); ac.abort();
    out.aborted = await caught(() => client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: [1], signal: ac.signal }));
    out.wrongKey = await caught(() => new RecallClient(clientOptions(env, { secretKey: 'not-the-key', maxRetries: 0 })).getGroupHistory({ groupId: 'demo-public', count: 1 }));
    out.notFound = await caught(() => client.getGroupHistory({ groupId: 'no-such-group', count: 1 }));
    out.network = await caught(() => new RecallClient(clientOptions(env, { baseUrl: 'http://127.0.0.1:9', maxRetries: 0, timeoutMs: 3000 })).getGroupHistory({ groupId: 'g', count: 1 }));
    return json(out);
  },
};

export default {
  async fetch(req, env) {
    requests += 1;
    const route = routes[`${req.method} ${new URL(req.url).pathname}`];
    if (!route) return json({ error: 'no such route' }, 404);
    try {
      return await route(req, env);
    } catch (e) {
      return json({ unexpected: describe(e) }, 500);
    }
  },
};
