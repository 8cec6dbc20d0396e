// Shared by the console suites: the demo stack (scripts/stack.mjs), headless Chromium
// (Playwright with Debian's chromium) and small helpers that drive the page like a person
// would: by labels, roles and visible text.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './install.mjs';

const require = createRequire(join(repo, 'package.json'));
const { chromium } = require('playwright-core');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(repo, 'target', 'console-screenshots');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--headless', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A fresh page (own storage) at the console; waits until the app has started. */
export async function openConsole(browser, url, { viewport = { width: 1280, height: 800 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 }).catch((e) => { throw new Error(`the console did not start: ${errors.join('; ') || e.message}`); });
  return { context, page, errors };
}

/** Waits until `fn` (run in the page) returns something truthy; returns it. */
export async function until(page, fn, arg, timeout = 60_000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  return handle.jsonValue();
}

export async function connect(page, mode) {
  await page.getByRole('tab', { name: 'Connection' }).click();
  await page.getByLabel(mode === 'worker' ? 'Through the Worker' : 'Direct').check();
  await page.getByRole('button', { name: 'Connect' }).click();
  const want = mode === 'worker' ? 'Connected through the Worker' : 'Connected directly';
  await until(page, ([w]) => {
    const t = document.querySelector('#conn-text').textContent;
    const alert = document.querySelector('#alert');
    return t.startsWith(w) ? t : (!alert.hidden && document.querySelector('#conn-status').dataset.state === 'error' ? `FAILED: ${alert.textContent}` : false);
  }, [want]).then((t) => { if (String(t).startsWith('FAILED')) throw new Error(t); });
}

/** The visible error banner's text, once it shows. */
export async function alertText(page) {
  await page.locator('#alert').waitFor({ state: 'visible' });
  return page.locator('#alert').innerText();
}

export async function loadGroup(page, groupId) {
  await page.getByRole('tab', { name: 'Group' }).click();
  await page.locator('#group-id').fill(groupId);
  await page.getByRole('button', { name: 'Load newest' }).click();
  await page.locator('#history tbody tr[data-seq]').first().waitFor();
}

/** Rows of the history table as { seq, sender, state }. */
export function historyRows(page) {
  return page.$$eval('#history tbody tr[data-seq]', (trs) => trs.map((tr) => ({
    seq: Number(tr.dataset.seq), sender: tr.children[2].textContent, state: tr.children[5].textContent,
  })));
}

export async function confirmDialog(page) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const text = await dialog.innerText();
  await dialog.getByRole('button', { name: 'Recall' }).click();
  return text;
}

/** Starts a bulk MsgSeq job from the form; returns once the confirmation is accepted. */
export async function startRangeJob(page, groupId, ranges) {
  await page.getByRole('tab', { name: 'Bulk jobs' }).click();
  await page.getByLabel('MsgSeqs in a group').check();
  await page.locator('#job-group').fill(groupId);
  await page.getByLabel('MsgSeqs', { exact: true }).fill(ranges);
  await page.getByRole('button', { name: 'Start job' }).click();
  await confirmDialog(page);
}

/** The shown job's status and progress, polled until `pred(detail)` holds (checked here, not in the page). */
export async function jobDetail(page, pred, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  let d;
  for (;;) {
    d = await page.evaluate(() => ({
      title: document.querySelector('#job-detail-title').textContent,
      value: document.querySelector('#job-progress').value,
      max: document.querySelector('#job-progress').max,
      done: document.querySelector('#st-done').textContent,
      recalled: Number(document.querySelector('#st-recalled').textContent.replaceAll(',', '')),
      csv: !document.querySelector('#job-csv').disabled,
      cancel: !document.querySelector('#job-cancel').disabled,
    }));
    if (pred(d)) return d;
    if (Date.now() > deadline) throw new Error(`job never reached the expected state; last: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Downloads the shown job's CSV and returns its text. */
export async function downloadCsv(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const path = await download.path();
  return readFileSync(path, 'utf8');
}

/** axe-core in the page: the serious and critical violations, with their nodes. */
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Requests the emulator counted for one API (e.g. group_open_http_svc/group_msg_recall). */
export async function emulatorRequests(emulatorUrl, api) {
  const stats = await (await fetch(`${emulatorUrl}/_emulator/stats`)).json();
  return stats.apis?.[api]?.requests ?? 0;
}
