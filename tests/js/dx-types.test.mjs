// What a TypeScript user and an npm user get (issue 12):
// 1. `tsc --strict` rejects tests/types/mistakes.ts line by line (each `// @ts-expect-error
//    [word]` line fails, for the reason its word names, once the directive is removed) and
//    accepts the rest of it, `using` included;
// 2. `tsc --strict` with checkJs accepts the examples (examples/node, vite-console, worker)
//    against the installed package's declarations;
// 3. the packed tarball holds the LICENSE files, README, CHANGELOG, types and the API
//    reference, and package.json has repository, homepage, bugs and keywords.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installedProject, repo } from './install.mjs';

const TSC = join(repo, 'node_modules', '.bin', 'tsc');

function tsc(dir, config) {
  try {
    return { code: 0, out: execFileSync(TSC, ['-p', join(dir, config), '--pretty', 'false'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { code: e.status, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** tsc's diagnostics: { file, line, column, text (continuation lines included) }. */
function diagnostics(out) {
  const list = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^(\S+?)\((\d+),(\d+)\): error TS\d+: (.*)$/);
    if (m) list.push({ file: m[1], line: Number(m[2]), column: Number(m[3]), text: m[4] });
    else if (list.length && line.startsWith(' ')) list.at(-1).text += `\n${line.trim()}`;
  }
  return list;
}

function project(name, files, compilerOptions) {
  const dir = join(installedProject(), name);
  mkdirSync(dir, { recursive: true });
  for (const [to, text] of Object.entries(files)) writeFileSync(join(dir, to), text);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      lib: ['es2022', 'esnext.disposable', 'dom', 'dom.iterable'], types: [], skipLibCheck: false, ...compilerOptions,
    },
    files: Object.keys(files).filter((f) => /\.(ts|js|mjs)$/.test(f)),
  }, null, 2));
  return dir;
}

test('tsc --strict rejects every deliberate mistake in tests/types/mistakes.ts, for its reason, and accepts the rest', () => {
  const source = readFileSync(join(repo, 'tests', 'types', 'mistakes.ts'), 'utf8');
  const expected = [];
  const negative = source.split('\n').map((line, i) => {
    const m = line.match(/^\s*\/\/ @ts-expect-error \[([^\]]+)\]/);
    if (!m) return line;
    expected.push({ line: i + 2, word: m[1] }); // the next line, 1-based
    return '';
  }).join('\n');
  assert.ok(expected.length >= 15, `only ${expected.length} mistakes`);
  for (const word of ['userSig', 'secretKey', 'baseUrl', 'retries', 'timeout']) assert.ok(expected.some((x) => x.word === word), `no mistake about ${word}`);

  // As written: compiles (so every directive was needed, and `using` type-checks).
  const ok = tsc(project('dx-mistakes', { 'mistakes.ts': source }), 'tsconfig.json');
  assert.equal(ok.code, 0, ok.out);

  // Directives removed: an error on each marked line, naming its word; nowhere else.
  const bad = tsc(project('dx-mistakes-negative', { 'mistakes.ts': negative }), 'tsconfig.json');
  assert.notEqual(bad.code, 0);
  const errors = diagnostics(bad.out);
  const unexpected = errors.filter((d) => !expected.some((x) => x.line === d.line));
  assert.deepEqual(unexpected, [], 'errors on lines not marked @ts-expect-error');
  const lines = negative.split('\n');
  for (const { line, word } of expected) {
    const here = errors.filter((d) => d.line === line);
    assert.ok(here.length > 0, `mistakes.ts:${line}: no error (expected one about "${word}")`);
    const names = (d) => d.text.includes(word) || lines[line - 1].slice(d.column - 1).startsWith(word);
    assert.ok(here.some(names), `mistakes.ts:${line}: expected an error about "${word}", got:\n${here.map((d) => `(col ${d.column}) ${d.text}`).join('\n')}`);
  }

  // `using` needs the disposable lib: without it tsc says so (and nothing else breaks).
  const noLib = tsc(project('dx-mistakes-nolib', { 'mistakes.ts': source }, { lib: ['es2022', 'dom', 'dom.iterable'] }), 'tsconfig.json');
  assert.match(noLib.out, /Disposable/);
});

test('tsc --strict (checkJs) accepts the examples as written', () => {
  // The Node example uses `process`; the project has no @types/node, so declare what it uses.
  const nodeGlobals = 'declare const process: { argv: string[]; env: Record<string, string | undefined>; exitCode?: number | string | undefined; exit(code?: number): never };\n';
  const files = {
    'node-globals.d.ts': nodeGlobals,
    'purge-sender.mjs': readFileSync(join(repo, 'examples', 'node', 'purge-sender.mjs'), 'utf8'),
    'vite-main.js': readFileSync(join(repo, 'examples', 'vite-console', 'main.js'), 'utf8'),
    'worker.js': readFileSync(join(repo, 'examples', 'worker', 'index.js'), 'utf8'),
  };
  const dir = project('dx-examples', files, { allowJs: true, checkJs: true, module: 'esnext', moduleResolution: 'bundler' });
  const r = tsc(dir, 'tsconfig.json');
  assert.equal(r.code, 0, r.out);
  const plain = tsc(project('dx-examples-nodenext', files, { allowJs: true, checkJs: true }), 'tsconfig.json');
  assert.equal(plain.code, 0, plain.out);
  // A real check: the same files with a mistake do not compile.
  const broken = { ...files, 'worker.js': files['worker.js'].replace('sdkAppId, token', 'sdkAppId: String(sdkAppId), token') };
  assert.notEqual(tsc(project('dx-examples-broken', broken, { allowJs: true, checkJs: true }), 'tsconfig.json').code, 0);
});

test('npm pack: LICENSE files, README, CHANGELOG, types and the API reference are in the tarball; package.json metadata', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error', join(repo, 'pkg')], { cwd: installedProject(), encoding: 'utf8' });
  const [info] = JSON.parse(out);
  const files = new Set(info.files.map((f) => f.path));
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'CHANGELOG.md', 'index.d.ts', 'package.json', 'api/index.html', 'api/classes/RecallClient.html', 'api/classes/RecallError.html']) {
    assert.ok(files.has(f), `${f} is not in the tarball (${[...files].join(', ')})`);
  }
  // The installed copy (from the tarball) too; the reference documents the new API.
  const installed = join(installedProject(), 'node_modules', 'chat-recall');
  const reference = readFileSync(join(installed, 'api', 'classes', 'RecallClient.html'), 'utf8');
  for (const name of ['purgeSender', 'groupHistory', 'c2cHistory', 'recallGroupMessagesBySender', 'last 1,000']) assert.ok(reference.includes(name), `the API reference lacks ${name}`);
  assert.ok(readdirSync(join(installed, 'api', 'interfaces')).includes('PurgeSenderArgs.html'));
  assert.match(readFileSync(join(installed, 'LICENSE-MIT'), 'utf8'), /^MIT License/);
  assert.match(readFileSync(join(installed, 'LICENSE-APACHE'), 'utf8'), /Apache License\s+Version 2\.0/);
  assert.equal(readFileSync(join(installed, 'LICENSE-MIT'), 'utf8'), readFileSync(join(repo, 'LICENSE-MIT'), 'utf8'));
  assert.equal(readFileSync(join(installed, 'LICENSE-APACHE'), 'utf8'), readFileSync(join(repo, 'LICENSE-APACHE'), 'utf8'));
  // The README is the guide: every section a user looks for.
  const readme = readFileSync(join(installed, 'README.md'), 'utf8');
  for (const heading of ['## Install', '## Credentials and endpoint', '## Recalling group messages', '## Everything one sender wrote', '## History',
    '## Retries and rate limiting', '## Errors', '## Webhooks', '## Local development: the emulator', '## TypeScript', '## API reference']) {
    assert.ok(readme.includes(`\n${heading}\n`), `README lacks ${heading}`);
  }
  for (const fact of ['hex(sha256(token + RequestTime))', 'callbackAck()', 'last 1,000', 'importmap', '--seed-group']) assert.ok(readme.includes(fact), `README lacks ${fact}`);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
  assert.match(pkg.repository.url, /^git\+https:\/\//);
  assert.match(pkg.homepage, /^https:\/\//);
  assert.match(pkg.bugs.url, /^https:\/\//);
  assert.ok(pkg.keywords.includes('recall') && pkg.keywords.includes('tencent'));
});
