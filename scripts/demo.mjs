// Starts the demo stack (scripts/stack.mjs) and prints the one URL to open. Ctrl-C (or
// SIGTERM) stops the Worker, the emulator and the server, each as a whole process group.
// --port N: serve the console on N (default 8080; a free port if N is taken).
import { startStack } from './stack.mjs';

const i = process.argv.indexOf('--port');
const consolePort = i > 0 ? Number(process.argv[i + 1]) : 8080;
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

const stack = await startStack({ consolePort, log: (l) => console.log(`[demo] ${l}`) }).catch((e) => {
  console.error(`[demo] could not start: ${e.message}`);
  process.exit(1);
});
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\n[demo] stopping…');
  // Should anything hang, leave anyway: the exit handlers still kill the Worker's process group.
  setTimeout(() => process.exit(1), 15_000).unref();
  await stack.stop();
  process.exit(0);
};
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

console.log(`[demo] emulator ${stack.emulatorUrl}${stack.workerUrl ? ` · Worker ${stack.workerUrl}` : ' · no Worker in this checkout (direct mode only)'}`);
console.log(`\n  Open ${bold(stack.consoleUrl)}\n`);
console.log('[demo] Ctrl-C stops everything.');
