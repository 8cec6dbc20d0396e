// The whole demo stack on 127.0.0.1, as one reusable module (scripts/demo.mjs and the
// console's Playwright suite both use it):
//   - the emulator with seeded demo data (plus a large group for bulk jobs) and the Worker
//     (worker/) in local workerd through wrangler, its recall webhooks signed and sent to
//     the Worker's /callback: tests/js/worker-stack.mjs, shared with the Worker's suites;
//   - a static server for the console (www/) and the package (pkg/), whose /config.json
//     carries the demo defaults (labelled as demo credentials in the page).
// Needs: pkg/ built, the emulator built (target/release), node_modules (wrangler).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../tests/js/emulator.mjs';
import { startStack as startWorkerStack, SECRETS, APP } from '../tests/js/worker-stack.mjs';
import { serveConsole } from './serve.mjs';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const workerDir = join(repo, 'worker');
export const SDK_APP_ID = APP;
export const ADMIN = 'administrator';
/** The group `--seed-group` fills for bulk jobs (MsgSeq 1..BULK_MESSAGES). */
export const BULK_GROUP = 'demo-bulk';
export const BULK_MESSAGES = 60_000;

/** The Worker's wrangler config, if the Worker is in this checkout. */
export function workerConfig() {
  return ['wrangler.toml', 'wrangler.jsonc', 'wrangler.json'].find((f) => existsSync(join(workerDir, f)));
}

/**
 * @param {{ worker?: boolean, consolePort?: number, latencyMs?: number, log?: (line: string) => void }} [opts]
 *   worker: start the Worker (default: when worker/ has a wrangler config)
 */
export async function startStack({ worker = Boolean(workerConfig()), consolePort = 0, latencyMs = 20, log = () => {} } = {}) {
  const pkg = await import(join(repo, 'pkg', 'node.js'));
  // The demo admin token is random per run; the Worker stack's secret key and callback token
  // are its fixed local-test values (they never leave 127.0.0.1).
  const adminToken = randomBytes(16).toString('hex');
  const stops = [];
  const stop = async () => { for (const s of stops.splice(0).reverse()) await s().catch(() => {}); };
  let config = {};
  try {
    const web = await serveConsole({ port: consolePort, config: () => config }).catch((e) => {
      if (consolePort && e?.code === 'EADDRINUSE') return serveConsole({ port: 0, config: () => config });
      throw e;
    });
    stops.push(web.close);
    const consoleOrigin = web.url.replace(/\/$/, '');
    const emulatorArgs = ['--admin', ADMIN, '--seed-demo', '--seed-group', `${BULK_GROUP}:Public:${BULK_MESSAGES}`, '--latency-ms', String(latencyMs)];

    let emulatorUrl;
    let workerStack = null;
    if (worker) {
      log('starting the emulator and the Worker in workerd (wrangler dev --local)');
      // Without wrangler's DevTools proxy: nothing attaches to it here (its port is random),
      // and at a job's 200 requests/s it would take more CPU than the Worker itself
      // (tests/js/workerd-harness.mjs). `npx wrangler dev` in worker/ keeps DevTools.
      workerStack = await startWorkerStack({ emulatorArgs, devtools: false, vars: { CONSOLE_ORIGINS: consoleOrigin, ADMIN_TOKENS: `demo:${adminToken}` } });
      stops.push(() => workerStack.stop());
      emulatorUrl = workerStack.emu.baseUrl;
    } else {
      log('starting the emulator');
      const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', SECRETS.SECRET_KEY, ...emulatorArgs]);
      stops.push(emu.stop);
      emulatorUrl = emu.baseUrl;
    }
    const workerUrl = workerStack ? workerStack.baseUrl : '';

    // A demo UserSig for "direct" mode, made here (server side), never the key itself.
    const userSig = pkg.generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRETS.SECRET_KEY, identifier: ADMIN, expireSeconds: 86_400 });
    config = {
      demo: true,
      defaults: {
        mode: worker ? 'worker' : 'direct', workerUrl, adminToken,
        region: '', baseUrl: emulatorUrl, sdkAppId: String(SDK_APP_ID), identifier: ADMIN, userSig,
        groupId: 'demo-public', bulkGroupId: BULK_GROUP, c2cAccount: 'alice', c2cPeer: 'bob',
      },
      groups: [
        { id: 'demo-public', label: 'Public group' }, { id: 'demo-private', label: 'Private (Work) group' },
        { id: 'demo-chatroom', label: 'ChatRoom (Meeting) group' }, { id: 'demo-avchatroom', label: 'AVChatRoom' },
        { id: '@TGS#_demo-community', label: 'Community (topics)' }, { id: BULK_GROUP, label: `${BULK_MESSAGES.toLocaleString('en')} messages for bulk jobs` },
      ],
      topics: ['@TGS#_demo-community@TOPIC#general', '@TGS#_demo-community@TOPIC#offtopic'],
    };
    return {
      consoleUrl: web.url, workerUrl, emulatorUrl, adminToken, userSig, config,
      /** Stops only the Worker (to see how the console copes). */
      stopWorker: async () => { await workerStack?.killWorker(); },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
