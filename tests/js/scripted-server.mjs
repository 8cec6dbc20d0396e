// A small, scripted stand-in for the service, for client tests that need exact control over
// each answer (502s, 10002s, hangs, partial RecallRetLists). Binds 127.0.0.1 only and records
// every request with its arrival time.
import { createServer } from 'node:http';

/**
 * @param {(call: {api: string, query: URLSearchParams, body: any, n: number}) =>
 *   {status?: number, json?: any, text?: string} | 'hang' | 'drop' | Promise<...>} answer
 */
export async function startScriptedServer(answer) {
  const calls = [];
  const hanging = new Set();
  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const api = url.pathname.replace(/^\/v4\//, '');
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
      const call = { api, query: url.searchParams, body, n: calls.length, arrivedAt, method: req.method };
      calls.push(call);
      const out = await answer(call);
      if (out === 'hang') { hanging.add(res); return; }
      if (out === 'drop') { req.socket.destroy(); return; }
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
      res.end(out.text ?? JSON.stringify(out.json ?? { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A successful group_msg_recall answer recalling every seq asked for. */
export function recallAll(body) {
  return { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: body.MsgSeqList.map(({ MsgSeq }) => ({ MsgSeq, RetCode: 0 })) } };
}
