// A small static server for the moderation console: www/ at /, the built package pkg/ at
// /pkg/, and /config.json from memory (the demo stack's defaults). 127.0.0.1 only.
// Usage as a module: `await serveConsole({ port: 0, config: () => ({...}) })`.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ts': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
};

/** The page's inline import map is the only inline script: allow exactly it, by hash. */
function contentSecurityPolicy(wwwDir) {
  const html = readFileSync(join(wwwDir, 'index.html'), 'utf8');
  const hashes = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`,
    // The Worker and the Chat service (or the emulator) live on other origins.
    "connect-src 'self' http://127.0.0.1:* http://localhost:* https:",
    "style-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
  ].join('; ');
}

/**
 * @param {{ port?: number, host?: string, config?: () => unknown, wwwDir?: string, pkgDir?: string }} opts
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function serveConsole({ port = 0, host = '127.0.0.1', config = () => ({}), wwwDir = join(repo, 'www'), pkgDir = join(repo, 'pkg') } = {}) {
  const csp = contentSecurityPolicy(wwwDir);
  const roots = [['/pkg/', pkgDir], ['/', wwwDir]];
  const server = createServer(async (req, res) => {
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, headers).end(); return; }
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path === '/config.json') {
        res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(config()));
        return;
      }
      const [prefix, dir] = roots.find(([p]) => path.startsWith(p));
      let file = resolve(dir, `.${sep}${path.slice(prefix.length)}`);
      if (file !== dir && !file.startsWith(dir + sep)) { res.writeHead(403, headers).end(); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'content-type': type, ...(type.startsWith('text/html') ? { 'content-security-policy': csp } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      const missing = e?.code === 'ENOENT' || e?.code === 'EISDIR' || e?.code === 'ENOTDIR';
      res.writeHead(missing ? 404 : 500, { ...headers, 'content-type': 'text/plain' }).end(missing ? 'not found' : 'server error');
    }
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${actual}/`,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}
