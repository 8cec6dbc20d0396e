// Runs a Worker in real workerd through `wrangler dev --local`, offline and on 127.0.0.1
// only, and stops it (wrangler and its workerd children, as one process group).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './install.mjs';

export const wranglerCli = join(repo, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

// Wrangler reaches out by itself unless told not to: metrics and error reports
// (sparrow/sentry), the request.cf data (workers.cloudflare.com), the npm registry for its
// banner's update check. Its config, logs and dev registry go to a private folder.
function offlineEnv(home, logLevel, devtools) {
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    XDG_CONFIG_HOME: home,
    WRANGLER_LOG_PATH: join(home, 'logs'),
    WRANGLER_REGISTRY_PATH: join(home, 'registry'),
    WRANGLER_LOG: logLevel,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: 'true',
  };
  // Without DevTools: wrangler has no flag for it, but it leaves its inspector proxy out when
  // it runs in a VS Code debug terminal (this variable; miniflare only reads more from it
  // when NODE_OPTIONS loads VS Code's bootloader, so that goes too).
  if (!devtools) {
    env.VSCODE_INSPECTOR_OPTIONS = '{}';
    delete env.NODE_OPTIONS;
  }
  return env;
}

/** Kills the whole process group, first politely, then for sure. */
function killGroup(proc, signal) {
  try { process.kill(-proc.pid, signal); } catch { /* already gone */ }
}

const live = new Set();
// Last resort if the test process dies without reaching its `finally`.
// wrangler runs in a process group of its own (detached), so it would outlive us otherwise.
process.on('exit', () => { for (const p of live) killGroup(p, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { for (const p of live) killGroup(p, 'SIGKILL'); process.kill(process.pid, sig); });
}

/**
 * `wrangler dev --local` in `dir`, on free 127.0.0.1 ports. `configs` (relative to `dir`):
 * the first is the Worker that gets the port, the others run in the same workerd and are
 * reachable through service bindings. `args`: more `wrangler dev` flags (e.g. --env-file).
 * Resolves once wrangler says "Ready on" and `readyPath` answers; returns the base URL,
 * the timings, the captured output and `stop()`. `logLevel`: wrangler's; at `info` the
 * Worker's console.error/warn/info show but console.log does not (`log` shows it too).
 *
 * `devtools: false` leaves out wrangler's DevTools inspector proxy, for measurements: it
 * turns on the runtime's Network domain and forwards every inspector event (each of the
 * Worker's outbound fetches makes several) to wrangler's Node process, which formats it
 * and appends it to a debug log file. At 200 outbound requests/s that held wrangler at
 * ~80% of a core and the proxy's own workerd at ~40%, on a 2-core host where the Worker's
 * workerd needs the rest: its timers fired 20-150 ms late and three clients through the
 * rate budget reached 0.88-0.93 of the limit instead of 0.96. A deployed Worker has no such
 * proxy. Console output still arrives (workerd's structured logs); uncaught exceptions are
 * reported in less detail, so tests that read the logs keep DevTools on (the default).
 */
export async function startWrangler(dir, { configs = ['wrangler.json'], readyPath = '/', timeoutMs = 40_000, args = [], logLevel = 'info', devtools = true } = {}) {
  if (!existsSync(wranglerCli)) throw new Error(`wrangler is not installed: ${wranglerCli} (run scripts/setup.sh)`);
  const home = join(dir, '.wrangler-home');
  mkdirSync(home, { recursive: true });
  const t0 = performance.now();
  const proc = spawn(process.execPath, [wranglerCli, 'dev', ...configs.flatMap((c) => ['-c', c]), '--local', '--ip', '127.0.0.1', '--port', '0',
    '--inspector-ip', '127.0.0.1', '--inspector-port', '0', '--show-interactive-dev-session=false', '--log-level', logLevel, ...args],
  { cwd: dir, env: offlineEnv(home, logLevel, devtools), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  let output = '';
  // eslint-disable-next-line no-control-regex
  const onData = (d) => { output += String(d).replace(/\x1b\[[0-9;]*m/g, ''); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((r) => proc.once('exit', (code, sig) => { live.delete(proc); r({ code, sig }); }));

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      killGroup(proc, 'SIGTERM');
      const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    // workerd children may outlive wrangler's own exit: make sure the group is empty.
    killGroup(proc, 'SIGKILL');
  };

  try {
    const baseUrl = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const check = () => {
        const m = output.match(/Ready on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
        // A failed build leaves `wrangler dev` waiting for edits: give up at once.
        if (/\[ERROR\]/.test(output)) { clearTimeout(timer); setTimeout(() => reject(new Error(`wrangler failed:\n${output}`)), 200); }
      };
      proc.stdout.on('data', check);
      proc.stderr.on('data', check);
      exited.then(({ code, sig }) => { clearTimeout(timer); reject(new Error(`wrangler exited (${code ?? sig}) before ready:\n${output}`)); });
    });
    const readyMs = performance.now() - t0;
    // "Ready" is printed when workerd listens; poll until the Worker itself answers.
    let first;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = performance.now();
      try {
        const res = await fetch(`${baseUrl}${readyPath}`, { signal: AbortSignal.timeout(5000) });
        first = { status: res.status, body: await res.text(), ms: performance.now() - s };
        break;
      } catch (e) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`worker did not answer: ${e}\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // wrangler's own warnings (its bundler's among them), one line each.
    const warnings = () => output.split('\n').filter((l) => /\[WARNING\]/.test(l));
    return { baseUrl, readyMs, firstResponseMs: performance.now() - t0, first, output: () => output, warnings, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
