// The console's entry: theme, tabs, the connection form and the shared context every view
// uses (the current backend, the error banner, the confirmation dialog).
import { $ } from './dom.js';
import { explain } from './errors.js';
import { WorkerBackend } from './worker-api.js';
import { DirectBackend } from './direct.js';
import { setupGroupView } from './group-view.js';
import { setupC2CView } from './c2c-view.js';
import { setupJobsView } from './jobs-view.js';
import { setupFeedView } from './feed-view.js';

const SESSION_KEY = 'chat-recall-console:connection';
const THEME_KEY = 'chat-recall-console:theme';

// ---- theme: the system's scheme until the toggle picks one, remembered per browser ----
const themeBtn = $('#theme-toggle');
function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme; else delete document.documentElement.dataset.theme;
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  themeBtn.textContent = dark ? 'Light theme' : 'Dark theme';
  themeBtn.setAttribute('aria-pressed', String(dark));
  window.dispatchEvent(new Event('themechange'));
}
applyTheme(localStorage.getItem(THEME_KEY));
themeBtn.addEventListener('click', () => {
  const dark = themeBtn.getAttribute('aria-pressed') === 'true';
  localStorage.setItem(THEME_KEY, dark ? 'light' : 'dark');
  applyTheme(dark ? 'light' : 'dark');
});

// ---- tabs (WAI-ARIA tabs pattern: arrows, Home/End move between tabs) ----
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = false) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  history.replaceState(null, '', `#${tab.id.slice(4)}`);
  tab.dispatchEvent(new CustomEvent('tabshown', { bubbles: true }));
}
for (const t of tabs) {
  t.addEventListener('click', () => selectTab(t));
  t.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(t);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
  });
}
const initialTab = tabs.find((t) => `#${t.id.slice(4)}` === location.hash);
if (initialTab) selectTab(initialTab);

// ---- error banner ----
const alertBox = $('#alert');
$('#alert-close').addEventListener('click', () => { alertBox.hidden = true; });
function showError(err, action) {
  const b = ctx.backend;
  const e = explain(err, { action, mode: b?.mode, target: b?.target, identifier: b?.options?.identifier, sdkAppId: b?.options?.sdkAppId });
  $('#alert-title').textContent = e.title;
  $('#alert-why').textContent = e.why;
  $('#alert-todo').textContent = e.todo;
  alertBox.hidden = false;
  if (!(err && /** @type {any} */ (err).kind)) console.error(err);
}
const clearError = () => { alertBox.hidden = true; };

// ---- confirmation ----
const dialog = /** @type {HTMLDialogElement} */ ($('#confirm'));
function confirmRecall(title, body) {
  $('#confirm-title').textContent = title;
  $('#confirm-body').textContent = body;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

// ---- status line ----
function setStatus(state, text) {
  $('#conn-status').dataset.state = state;
  $('#conn-text').textContent = text;
}

/** Shared by the views. */
const ctx = {
  /** @type {WorkerBackend | DirectBackend | null} */
  backend: null,
  config: {},
  showError,
  clearError,
  confirm: confirmRecall,
  setStatus,
  listeners: new Set(),
  /** Runs `fn(backend)` now (if connected) and on every new connection. */
  onConnect(fn) { this.listeners.add(fn); if (this.backend) fn(this.backend); },
};

// ---- connection form ----
const form = /** @type {HTMLFormElement} */ ($('#connect-form'));
const fields = ['workerUrl', 'adminToken', 'region', 'baseUrl', 'sdkAppId', 'identifier', 'userSig'];
const mode = () => /** @type {HTMLInputElement} */ (form.querySelector('input[name="mode"]:checked')).value;
function showModeFields() {
  $('#worker-fields').hidden = mode() !== 'worker';
  $('#direct-fields').hidden = mode() !== 'direct';
}
form.addEventListener('change', showModeFields);
function fill(values) {
  for (const f of fields) if (values[f] !== undefined) form.elements.namedItem(f).value = values[f];
  if (values.mode) form.querySelector(`input[name="mode"][value="${values.mode}"]`).checked = true;
  showModeFields();
}
function read() {
  const v = { mode: mode() };
  for (const f of fields) v[f] = form.elements.namedItem(f).value.trim();
  return v;
}

async function connect(values, { switchTab }) {
  clearError();
  const btn = $('#connect');
  btn.disabled = true;
  setStatus('busy', 'Connecting…');
  try {
    const backend = values.mode === 'worker'
      ? new WorkerBackend({ workerUrl: values.workerUrl, adminToken: values.adminToken })
      : new DirectBackend({ sdkAppId: values.sdkAppId, identifier: values.identifier, userSig: values.userSig, region: values.region, baseUrl: values.baseUrl });
    await backend.check();
    ctx.backend?.close?.();
    ctx.backend = backend;
    // Credentials stay in this tab's session storage only (gone when the tab closes).
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(values));
    setStatus('on', backend.mode === 'worker' ? `Connected through the Worker at ${backend.target}` : `Connected directly to ${backend.target} as ${values.identifier}`);
    for (const fn of ctx.listeners) fn(backend);
    if (switchTab) selectTab(tabs[1]);
  } catch (e) {
    setStatus('error', 'Not connected');
    showError(e, 'Connecting');
  } finally {
    btn.disabled = false;
  }
}
form.addEventListener('submit', (e) => { e.preventDefault(); connect(read(), { switchTab: true }); });

// ---- startup: demo defaults from config.json (if the demo stack wrote one), then this tab's session ----
async function start() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) ctx.config = await res.json();
  } catch { /* no demo config: a deployed console */ }
  const d = ctx.config.defaults ?? {};
  if (ctx.config.demo) $('#demo-note').hidden = false;
  fill({ mode: d.mode ?? 'worker', ...d });
  const known = ctx.config.groups ?? [];
  $('#known-groups').replaceChildren(...known.map((g) => Object.assign(document.createElement('option'), { value: g.id, label: g.label ?? g.id })));
  $('#known-topics').replaceChildren(...(ctx.config.topics ?? []).map((t) => Object.assign(document.createElement('option'), { value: t })));
  setupGroupView(ctx);
  setupC2CView(ctx);
  setupJobsView(ctx);
  setupFeedView(ctx);
  const saved = sessionStorage.getItem(SESSION_KEY);
  if (saved) {
    try { const v = JSON.parse(saved); fill(v); await connect(v, { switchTab: false }); } catch { /* ignore a damaged entry */ }
  }
  document.body.dataset.ready = 'true';
}
start();
