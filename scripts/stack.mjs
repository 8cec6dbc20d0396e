// The whole demo stack on 127.0.0.1, as one reusable module (scripts/demo.mjs and the
// console's Playwright suite both use it):
//   - the emulator with seeded demo data (plus a large group for bulk jobs), its recall
//     webhooks signed with a callback token and sent to the Worker's /callback;
//   - the Worker (worker/) in local workerd through wrangler, pointed at the emulator;
//   - a static server for the console (www/) and the package (pkg/), whose /config.json
//     carries the demo defaults (labelled as demo credentials in the page).
// Every secret is random per run and lives only in this process, the emulator and the Worker.
// Needs: pkg/ built, the emulator built (target/release), node_modules (wrangler).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../tests/js/emulator.mjs';
import { startWrangler } from '../tests/js/workerd-harness.mjs';
import { serveConsole } from './serve.mjs';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const workerDir = join(repo, 'worker');
export const SDK_APP_ID = 1400000000;
export const ADMIN = 'administrator';
/** The group `--seed-group` fills for bulk jobs (MsgSeq 1..BULK_MESSAGES). */
export const BULK_GROUP = 'demo-bulk';
export const BULK_MESSAGES = 20_000;

/** The Worker's wrangler config, if the Worker is in this checkout. */
export function workerConfig() {
  return ['wrangler.jsonc', 'wrangler.json', 'wrangler.toml'].find((f) => existsSync(join(workerDir, f)));
}

/** A port that was free a moment ago (the emulator needs the Worker's URL before it starts). */
async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
  await new Promise((ok) => s.close(ok));
  return port;
}

/**
 * @param {{ worker?: boolean, consolePort?: number, latencyMs?: number, log?: (line: string) => void }} [opts]
 *   worker: start the Worker (default: when worker/ has a wrangler config)
 */
export async function startStack({ worker = Boolean(workerConfig()), consolePort = 0, latencyMs = 20, log = () => {} } = {}) {
  const pkg = await import(join(repo, 'pkg', 'node.js'));
  const secretKey = randomBytes(32).toString('hex');
  const callbackToken = randomBytes(16).toString('hex');
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

    const workerPort = worker ? await freePort() : 0;
    const workerUrl = worker ? `http://127.0.0.1:${workerPort}` : '';
    log('starting the emulator');
    const emulator = await startEmulator([
      '--sdkappid', String(SDK_APP_ID), '--admin', ADMIN, '--secret-key', secretKey,
      '--seed-demo', '--seed-group', `${BULK_GROUP}:Public:${BULK_MESSAGES}`, '--latency-ms', String(latencyMs),
      ...(worker ? ['--callback-url', `${workerUrl}/callback`, '--callback-token', callbackToken] : []),
    ]);
    stops.push(emulator.stop);

    let wrangler = null;
    if (worker) {
      log('starting the Worker in workerd (wrangler dev --local)');
      // Secrets reach wrangler through an env file in a private temporary folder, not argv.
      const tmp = mkdtempSync(join(tmpdir(), 'chat-recall-stack-'));
      stops.push(async () => rmSync(tmp, { recursive: true, force: true }));
      const env = {
        SDK_APP_ID: String(SDK_APP_ID), ADMIN_IDENTIFIER: ADMIN, TENCENT_BASE_URL: emulator.baseUrl,
        CONSOLE_ORIGINS: consoleOrigin, SECRET_KEY: secretKey, CALLBACK_TOKEN: callbackToken, ADMIN_TOKENS: `demo:${adminToken}`,
      };
      writeFileSync(join(tmp, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
      wrangler = await startWrangler(workerDir, {
        configs: [workerConfig()], port: workerPort, readyPath: '/callback', timeoutMs: 90_000,
        args: ['--env-file', join(tmp, '.env'), '--persist-to', join(tmp, 'state')],
      });
      stops.push(wrangler.stop);
    }

    // A demo UserSig for "direct" mode, made here (server side) with the run's secret key.
    const userSig = pkg.generateUserSig({ sdkAppId: SDK_APP_ID, secretKey, identifier: ADMIN, expireSeconds: 86_400 });
    config = {
      demo: true,
      defaults: {
        mode: worker ? 'worker' : 'direct', workerUrl, adminToken,
        region: '', baseUrl: emulator.baseUrl, sdkAppId: String(SDK_APP_ID), identifier: ADMIN, userSig,
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
      consoleUrl: web.url, workerUrl, emulatorUrl: emulator.baseUrl, adminToken, userSig, config,
      emulator, wrangler,
      /** Stops only the Worker (to see how the console copes). */
      stopWorker: async () => { await wrangler?.stop(); },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
