// Helpers for tests and benchmarks that recall from fresh processes (recall-child.mjs) and
// compare reports with the emulator's state.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installedProject, repo } from './install.mjs';

/** Run one bulk recall in a fresh Node process; resolves to its JSON line. */
export function recallInFreshProcess(cfg, entry = pathToFileURL(join(installedProject(), 'entry.mjs')).href) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, 'tests/js/recall-child.mjs'), JSON.stringify({ entry, ...cfg })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`recall-child exited ${code}: ${err}`));
      try { resolve(JSON.parse(out)); } catch (e) { reject(new Error(`recall-child printed no JSON: ${out.slice(0, 200)} ${err}`)); }
    });
  });
}

/**
 * The emulator's truth for `groupId` seqs 1..=n: a Set of the recalled seqs, read through a
 * RecallClient with many retries (the emulator's faults apply to these reads too).
 */
export async function recalledSeqs(lib, baseUrl, secretKey, groupId, n) {
  const reader = new lib.RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', secretKey, baseUrl, maxRetries: 20, timeoutMs: 3000, maxRequestsPerSecond: 5000, maxInFlight: 4 });
  const recalled = new Set();
  const pages = [];
  for (let top = n; top >= 1; top -= 20) pages.push(top);
  // 16 pages at a time: each call is its own job, so concurrency is bounded here.
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < pages.length) {
      const top = pages[next++];
      const page = await reader.getGroupHistory({ groupId, beforeSeq: top, count: Math.min(20, top), withRecalled: true });
      for (const m of page.messages) if (m.recalled && m.msgSeq <= top && m.msgSeq > top - 20) recalled.add(m.msgSeq);
    }
  }));
  reader.free();
  return recalled;
}

/**
 * Compare a compacted report (recall-child.mjs) with the emulator's recalled set:
 * { falseRecalled, falseNotRecalled, unknown, counts }.
 */
export function compare(report, recalled) {
  let falseRecalled = 0;
  let falseNotRecalled = 0;
  let unknown = 0;
  const counts = { recalled: 0, failed: 0, notSent: 0, unknown: 0 };
  const examples = [];
  for (const [seq, outcome, code] of report.results) {
    counts[outcome]++;
    const truth = recalled.has(seq);
    if (outcome === 'recalled' && !truth) { falseRecalled++; examples.push([seq, outcome, code]); }
    if ((outcome === 'failed' || outcome === 'notSent') && truth) { falseNotRecalled++; examples.push([seq, outcome, code]); }
    if (outcome === 'unknown') unknown++;
  }
  return { falseRecalled, falseNotRecalled, unknown, counts, examples: examples.slice(0, 5) };
}

/**
 * A TCP relay to `target` (host:port) on 127.0.0.1:0; `down()` takes the network away for
 * good: connections in flight are reset and new ones refused.
 */
export async function startRelay(targetUrl) {
  const { hostname, port } = new URL(targetUrl);
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    down() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
