// The moderation console (www/) in headless Chromium against the whole demo stack started by
// scripts/stack.mjs: the emulator with seeded data, the Worker in workerd, the static server.
// Everything is driven through the page as a moderator would; outcomes are checked in the
// page and, where it matters (sending really stopped), at the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, workerConfig, BULK_GROUP } from '../../scripts/stack.mjs';
import {
  launchBrowser, openConsole, connect, loadGroup, historyRows, confirmDialog, startRangeJob,
  jobDetail, downloadCsv, axeViolations, screenshot, alertText, until, emulatorRequests,
} from './console-page.mjs';

const RECALL_API = 'group_open_http_svc/group_msg_recall';
let stack;
let browser;

before(async () => {
  assert.ok(workerConfig(), 'worker/ (the Worker) must be in this checkout');
  stack = await startStack({ worker: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('connects both ways: directly with a UserSig, and through the Worker with the admin token', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  // The demo defaults are labelled as demo credentials.
  assert.match(await page.locator('#demo-note').innerText(), /demo/i);
  // The UserSig field explains why there is no secret key field.
  assert.match(await page.locator('#usersig-help').innerText(), /never the secret key/i);
  assert.equal(await page.locator('input[name*="secret" i], textarea[name*="secret" i]').count(), 0);
  await connect(page, 'direct');
  await connect(page, 'worker');
  assert.deepEqual(errors, []);
  await context.close();
});

test('group view: history, three selected messages recalled, marked in the table and confirmed in the live feed', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  await loadGroup(page, 'demo-public');
  const rows = await historyRows(page);
  assert.equal(rows.length, 20);
  assert.ok(rows.every((r) => r.state === 'visible' && r.sender));
  // Click the 2nd row, Shift-click the 4th: three messages selected.
  const boxes = page.locator('#history tbody tr[data-seq] input[type="checkbox"]');
  await boxes.nth(1).click();
  await boxes.nth(3).click({ modifiers: ['Shift'] });
  const chosen = rows.slice(1, 4).map((r) => r.seq);
  assert.equal(await page.getByRole('button', { name: /Recall selected/ }).innerText(), 'Recall selected (3)');
  await page.locator('#recall-reason').fill('spam');
  await page.getByRole('button', { name: 'Recall selected (3)' }).click();
  assert.match(await confirmDialog(page), /cannot be undone/);

  // The result table: one row per message, code 0 in plain words.
  await page.locator('#results-card').waitFor({ state: 'visible' });
  const results = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(results.map((r) => Number(r[0])).sort(), [...chosen].sort());
  assert.ok(results.every((r) => r[1] === 'recalled' && r[2] === '0' && r[3] === 'Recalled.'), JSON.stringify(results));
  // The table shows them recalled after the refresh.
  await until(page, (seqs) => seqs.every((s) => document.querySelector(`#history tr[data-seq="${s}"]`)?.classList.contains('recalled')), chosen);

  // The live feed: the service's webhooks, through the Worker, name the recalled MsgSeqs.
  await page.getByRole('tab', { name: 'Live feed & audit' }).click();
  const feedText = await until(page, (seqs) => {
    const t = document.querySelector('#feed').textContent;
    return seqs.every((s) => new RegExp(`\\b${s}\\b`).test(t)) ? t : false;
  }, chosen);
  assert.match(feedText, /demo-public/);
  // The audit log names who did it and why.
  const audit = await until(page, () => { const t = document.querySelector('#audit tbody').textContent; return /spam/.test(t) ? t : false; });
  assert.match(audit, /demo/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bulk job: 2,000 messages through the Worker reach 100% and the CSV has one row per message', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  await startRangeJob(page, BULK_GROUP, '1-1500, 1501-2000, 7');
  const d = await jobDetail(page, (x) => /— done$/.test(x.title) && x.csv, 120_000);
  assert.equal(d.value, 2000);
  assert.equal(d.max, 2000);
  assert.match(d.done, /2,000 \/ 2,000 · 100%/);
  const csv = (await downloadCsv(page)).trim().split(/\r\n/);
  assert.equal(csv[0], 'msgSeq,ok,code,message,meaning');
  assert.equal(csv.length, 2001);
  const seqs = csv.slice(1).map((l) => Number(l.split(',')[0]));
  assert.equal(new Set(seqs).size, 2000);
  assert.ok(csv.slice(1).every((l) => l.split(',')[1] === 'true'), 'every message recalled');
  await screenshot(page, 'desktop-jobs');
  assert.deepEqual(errors, []);
  await context.close();
});

test('cancelling a second job stops sending (checked at the emulator), and a reloaded page finds both jobs', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  const before = await emulatorRequests(stack.emulatorUrl, RECALL_API);
  await startRangeJob(page, BULK_GROUP, '2001-31000');
  // Midway: some sent, far from all (29,000 messages = 2,900 requests, ~15 s at 200/s).
  await jobDetail(page, (x) => x.value >= 1000 && x.cancel);
  await page.getByRole('button', { name: 'Cancel job' }).click();
  const d = await jobDetail(page, (x) => /— cancelled$/.test(x.title), 120_000);
  // The Worker settles what it never sent as "not sent", so every message has an outcome.
  assert.ok(d.recalled >= 1000 && d.recalled < 29_000, `stopped midway: ${d.recalled} recalled`);
  const atCancel = await emulatorRequests(stack.emulatorUrl, RECALL_API);
  await new Promise((r) => setTimeout(r, 2000));
  const later = await emulatorRequests(stack.emulatorUrl, RECALL_API);
  assert.equal(later, atCancel, 'no recall request reached the emulator after the job was cancelled');
  assert.ok(atCancel - before < 2900, `sent ${atCancel - before} of 2,900 requests`);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('tab', { name: 'Bulk jobs' }).click();
  const listed = await until(page, () => {
    const rows = [...document.querySelectorAll('#jobs-table tbody tr[data-job]')].map((tr) => tr.textContent);
    return rows.length >= 2 ? rows : false;
  });
  assert.ok(listed.some((t) => /cancelled/.test(t)), listed.join('\n'));
  assert.ok(listed.some((t) => /done/.test(t) && /100%/.test(t)), listed.join('\n'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('direct mode: a bulk job runs in the page, cancels for real, and a reload lists it', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'direct');
  await startRangeJob(page, BULK_GROUP, '31001-33000');
  let d = await jobDetail(page, (x) => /— done$/.test(x.title) && x.csv, 120_000);
  assert.equal(d.value, 2000);
  const csv = (await downloadCsv(page)).trim().split(/\r\n/);
  assert.equal(csv.length, 2001);
  // Requests/s were measured while it ran (the chart's data).
  const before = await emulatorRequests(stack.emulatorUrl, RECALL_API);
  await startRangeJob(page, BULK_GROUP, '33001-60000');
  await jobDetail(page, (x) => x.value >= 1000 && x.cancel);
  await page.getByRole('button', { name: 'Cancel job' }).click();
  d = await jobDetail(page, (x) => /— cancelled$/.test(x.title));
  assert.ok(d.recalled >= 1000 && d.recalled < 27_000, `stopped midway: ${d.recalled} recalled`);
  const atCancel = await emulatorRequests(stack.emulatorUrl, RECALL_API);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await emulatorRequests(stack.emulatorUrl, RECALL_API), atCancel);
  assert.ok(atCancel - before < 2700, `sent ${atCancel - before} of 2,700 requests`);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('tab', { name: 'Bulk jobs' }).click();
  const listed = await until(page, () => {
    const rows = [...document.querySelectorAll('#jobs-table tbody tr[data-job]')].map((tr) => tr.textContent);
    return rows.length >= 2 ? rows : false;
  });
  assert.ok(listed.some((t) => /cancelled/.test(t)) && listed.some((t) => /done/.test(t)), listed.join('\n'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('accessibility (axe-core: no serious or critical violations) and screenshots: desktop, narrow, dark', async () => {
  for (const [name, opts] of [
    ['desktop', { viewport: { width: 1280, height: 800 } }],
    ['narrow', { viewport: { width: 390, height: 844 } }],
    ['dark', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' }],
  ]) {
    const { page, context, errors } = await openConsole(browser, stack.consoleUrl, opts);
    const found = [];
    found.push(...(await axeViolations(page)).map((v) => `connection: ${v}`));
    await connect(page, 'worker');
    await loadGroup(page, 'demo-public');
    await page.locator('#history tbody tr[data-seq] input:not([disabled])').nth(0).click();
    await page.locator('#history tbody tr[data-seq] input:not([disabled])').nth(3).click();
    for (const tab of ['Group', 'One-to-one', 'Bulk jobs', 'Live feed & audit']) {
      await page.getByRole('tab', { name: tab }).click();
      if (tab === 'One-to-one') {
        await page.getByRole('button', { name: 'Look up' }).click();
        await page.locator('#c2c-table tbody tr[data-key]').first().waitFor();
      }
      found.push(...(await axeViolations(page)).map((v) => `${name} ${tab}: ${v}`));
    }
    await page.getByRole('tab', { name: 'Group' }).click();
    await screenshot(page, name);
    assert.deepEqual(found, []);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('one-to-one: look up a conversation and recall by MsgKey; recalling it again says already recalled', async () => {
  const { page, context } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  await page.getByRole('tab', { name: 'One-to-one' }).click();
  await page.getByRole('button', { name: 'Look up' }).click();
  const row = page.locator('#c2c-table tbody tr[data-key]').first();
  await row.waitFor();
  const key = await row.getAttribute('data-key');
  const [from, to] = (await row.locator('td').nth(1).innerText()).split(' → ');
  await row.getByRole('button', { name: /Recall message/ }).click();
  await confirmDialog(page);
  await until(page, (k) => document.querySelector(`#c2c-table tr[data-key="${k}"]`)?.classList.contains('recalled'), key);
  await page.getByLabel('From account').fill(from);
  await page.getByLabel('To account').fill(to);
  await page.getByLabel('MsgKey', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Recall by MsgKey' }).click();
  await confirmDialog(page);
  await until(page, () => /already recalled/.test(document.querySelector('#msgkey-result').textContent));
  await context.close();
});

test('purge a sender from groups as a Worker job: one outcome per group, the sender gone from each', async () => {
  const { page, context, errors } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  await page.getByRole('tab', { name: 'Bulk jobs' }).click();
  await page.getByLabel('Purge a sender from groups').check();
  await page.getByLabel('Sender account').fill('carol');
  await page.getByLabel('Groups', { exact: true }).fill('demo-private\ndemo-chatroom');
  await page.getByRole('button', { name: 'Start job' }).click();
  assert.match(await confirmDialog(page), /carol.*2 group/s);
  await jobDetail(page, (x) => /— done$/.test(x.title) && x.csv, 120_000);
  const csv = (await downloadCsv(page)).trim().split(/\r\n/);
  assert.equal(csv[0], 'groupId,ok,code,message');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(',')), ['demo-private,true', 'demo-chatroom,true']);
  await loadGroup(page, 'demo-private');
  const rows = await historyRows(page);
  assert.ok(rows.some((r) => r.sender === 'carol'), 'carol had messages on the newest page');
  assert.ok(rows.filter((r) => r.sender === 'carol').every((r) => r.state === 'recalled'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard only: tabs move with the arrow keys, a message is selected with Space, focus is visible', async () => {
  const { page, context } = await openConsole(browser, stack.consoleUrl);
  await connect(page, 'worker');
  await loadGroup(page, 'demo-chatroom');
  const tab = page.getByRole('tab', { name: 'Group' });
  await tab.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'One-to-one');
  assert.equal(await page.getByRole('tab', { name: 'One-to-one' }).getAttribute('aria-selected'), 'true');
  // A focused control shows an outline (not the browser's default none).
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, 'solid');
  await page.keyboard.press('ArrowLeft');
  await page.locator('#history tbody tr[data-seq] input:not([disabled])').first().focus();
  await page.keyboard.press('Space');
  assert.equal(await page.getByRole('button', { name: /Recall selected/ }).innerText(), 'Recall selected (1)');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Space');
  assert.equal(await page.getByRole('button', { name: /Recall selected/ }).innerText(), 'Recall selected (2)');
  // The confirmation opens on "Keep them": Enter on it recalls nothing.
  await page.getByRole('button', { name: 'Recall selected (2)' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Keep them');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.getByRole('button', { name: /Recall selected/ }).innerText(), 'Recall selected (2)');
  await context.close();
});

test('readable error for a wrong SDKAppID', async () => {
  const { page, context } = await openConsole(browser, stack.consoleUrl);
  await page.getByLabel('Direct').check();
  await page.getByLabel('SDKAppID').fill('1400000001');
  await page.getByRole('button', { name: 'Connect' }).click();
  const text = await alertText(page);
  assert.match(text, /Connecting failed/);
  assert.match(text, /SDKAppID/);
  assert.match(text, /What to do: /);
  await context.close();
});

test('readable errors: a bad UserSig, then a stopped Worker', async () => {
  const { page, context } = await openConsole(browser, stack.consoleUrl);
  await page.getByLabel('Direct').check();
  const sig = await page.locator('#usersig').inputValue();
  await page.locator('#usersig').fill(sig.slice(0, -12) + 'AAAAAAAAAAAA');
  await page.getByRole('button', { name: 'Connect' }).click();
  let text = await alertText(page);
  assert.match(text, /Connecting failed/);
  assert.match(text, /UserSig/);
  assert.match(text, /What to do: .*fresh UserSig/s);
  assert.doesNotMatch(text, new RegExp(sig.slice(0, 20)), 'the UserSig is not echoed');

  await connect(page, 'worker');
  await stack.stopWorker();
  await page.getByRole('tab', { name: 'Group' }).click();
  await page.locator('#group-id').fill('demo-public');
  await page.getByRole('button', { name: 'Load newest' }).click();
  text = await alertText(page);
  assert.match(text, /Worker at http:\/\/127\.0\.0\.1:\d+ does not answer/);
  assert.match(text, /What to do: .*Worker is running/s);
  await context.close();
});
