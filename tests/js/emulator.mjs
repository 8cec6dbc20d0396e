// Starts the native emulator (built by `cargo build --release -p chat-recall-emulator`) on an
// ephemeral 127.0.0.1 port and stops it again.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './install.mjs';

export const emulatorBinary = join(repo, 'target', 'release', 'chat-recall-emulator');

export async function startEmulator(args = []) {
  if (!existsSync(emulatorBinary)) throw new Error(`build the emulator first: ${emulatorBinary}`);
  const proc = spawn(emulatorBinary, ['--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited ${code}: ${stderr}`)); });
  });
  return {
    baseUrl,
    stderr: () => stderr,
    async stats() { return (await fetch(`${baseUrl}/_emulator/stats`)).json(); },
    async stop() {
      // Already gone (exited, or killed by a signal such as the terminal's Ctrl-C).
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
