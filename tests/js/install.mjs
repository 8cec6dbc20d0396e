// Installs the built package (pkg/) the way a user would: `npm pack`, then `npm install`
// of the tarball into a fresh temporary project, and imports it there *by name*, so the
// package.json "exports" map and the Node loader are what get tested.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
let installed;

/** The temporary project folder with chat-recall installed, created once per process. */
export function installedProject() {
  if (installed) return installed;
  const dir = mkdtempSync(join(tmpdir(), 'chat-recall-js-'));
  const npm = (...args) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  // CHAT_RECALL_PKG: test another build of the package than pkg/ (e.g. a copy).
  npm('pack', process.env.CHAT_RECALL_PKG ?? join(repo, 'pkg'), '--pack-destination', dir);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm('install', `./${tarball}`);
  // A module inside the consumer project resolves 'chat-recall' from its node_modules.
  writeFileSync(join(dir, 'entry.mjs'), "export * from 'chat-recall';\nexport { default } from 'chat-recall';\n");
  installed = dir;
  return dir;
}

/** `import * as lib from 'chat-recall'`, resolved from the consumer project. */
export async function importPackage() {
  return import(pathToFileURL(join(installedProject(), 'entry.mjs')).href);
}

export { repo };
