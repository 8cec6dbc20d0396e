// The in-memory fetch the CPU benchmarks share (bulk_recall.mjs, cpu_ab.mjs).

/**
 * A fetch that answers group_msg_recall at once, from memory: the RecallRetList echoes the
 * request's 10 consecutive MsgSeqs (found with a cheap scan, the same cost for both clients),
 * the last one answered 10030 (not found), the rest 0.
 */
export function makeInstantFetch() {
  const cache = new Map();
  const encoder = new TextEncoder();
  const answerFor = (first) => {
    let buf = cache.get(first);
    if (!buf) {
      const list = [];
      for (let s = first; s < first + 10; s++) list.push({ MsgSeq: s, RetCode: s % 10 === 0 ? 10030 : 0 });
      buf = encoder.encode(JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, RecallRetList: list })).buffer;
      cache.set(first, buf);
    }
    return buf;
  };
  let calls = 0;
  const f = (url, init) => {
    calls++;
    const body = init.body;
    const i = body.indexOf('"MsgSeq":') + 9;
    let j = i;
    while (body.charCodeAt(j) >= 48 && body.charCodeAt(j) <= 57) j++;
    const buf = answerFor(Number(body.slice(i, j)));
    return Promise.resolve({ status: 200, ok: true, arrayBuffer: () => Promise.resolve(buf) });
  };
  f.calls = () => calls;
  return f;
}
