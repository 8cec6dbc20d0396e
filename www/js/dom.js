// Tiny DOM helpers: build elements without innerHTML (message text is user content).

/** h('td', { class: 'num' }, 'text', childNode) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Replaces a tbody's rows; an empty list shows `emptyText` in one full-width row. */
export function fillRows(tbody, rows, emptyText, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: columns }, emptyText))]));
}

/** Placeholder rows of the same height while data loads (no layout jump). */
export function skeletonRows(tbody, count, columns) {
  tbody.replaceChildren(...Array.from({ length: count }, () => h('tr', { class: 'skeleton', 'aria-hidden': 'true' }, ...Array.from({ length: columns }, () => h('td')))));
}

export const fmtTime = (unixSeconds) => (unixSeconds ? new Date(unixSeconds * 1000).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '–');
export const fmtMs = (ms) => (ms ? new Date(ms).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '–');
export const fmtInt = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en') : '–');

/** The readable text of a Chat MsgBody (text elements; other kinds by their type). */
export function bodyText(msgBody) {
  if (!Array.isArray(msgBody)) return '';
  return msgBody.map((e) => e?.MsgContent?.Text ?? `[${String(e?.MsgType ?? 'element').replace(/^TIM|Elem$/g, '')}]`).join(' ');
}
