// Parses what a moderator pastes into the bulk form: MsgSeq lists and ranges such as
// "100-250, 300" (commas, spaces or new lines between items). Every mistake names the item,
// so the form can say exactly what to fix before anything is sent.

/** The most MsgSeqs one pasted list may expand to (a range typo like 1-99999999 stops here). */
export const MAX_SEQS = 1_000_000;

export class RangeError_ extends Error {}

/**
 * @param {string} text
 * @returns {number[]} distinct MsgSeqs in first-seen order
 */
export function parseSeqRanges(text) {
  const items = String(text).split(/[\s,;]+/).filter(Boolean);
  if (items.length === 0) throw new RangeError_('Enter at least one MsgSeq or range, e.g. 100-250, 300.');
  const seen = new Set();
  const out = [];
  const push = (n) => { if (!seen.has(n)) { seen.add(n); out.push(n); } };
  for (const item of items) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new RangeError_(`"${item}" is not a MsgSeq or a range like 100-250.`);
    const a = toSeq(m[1], item);
    const b = m[2] === undefined ? a : toSeq(m[2], item);
    if (b < a) throw new RangeError_(`"${item}": the range ends before it starts.`);
    if (out.length + (b - a + 1) > MAX_SEQS) throw new RangeError_(`"${item}": more than ${MAX_SEQS.toLocaleString('en')} MsgSeqs in one job.`);
    for (let n = a; n <= b; n++) push(n);
  }
  return out;
}

function toSeq(digits, item) {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError_(`"${item}": a MsgSeq is a whole number from 1 up.`);
  return n;
}

/** Group ids pasted one per line or separated by commas, without duplicates. */
export function parseList(text) {
  return [...new Set(String(text).split(/[\s,;]+/).filter(Boolean))];
}
