import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, repoRoot, startStack } from '../harness/services.js';

// Proves the console's schedule and retention forms send what the real api validates and accepts.
const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

describe('console: retention policies and schedules (real api, headless Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  const api = (path: string): Promise<unknown> => page.evaluate(async (p) => (await fetch(`/api${p}`)).json(), path);

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build -w frontend" first`);
    stack = await startStack({ services: ['api'] });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.apiUrl}/schedules`);
    await page.getByLabel('Email', { exact: true }).fill(stack.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(stack.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/schedules$/);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('creates a retention policy, refusing one that keeps nothing', async () => {
    await page.getByRole('button', { name: 'New policy' }).click();
    const dialog = page.getByRole('dialog');
    // The dialog moves focus to its first field once it has opened; typing before that would land there.
    await page.waitForFunction(() => document.activeElement?.closest('mat-dialog-container') != null);
    await dialog.getByLabel('Name', { exact: true }).fill('office default');
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await dialog.getByText('Set at least one rule above zero').waitFor();

    await dialog.getByLabel('Keep last', { exact: true }).fill('7');
    await dialog.getByLabel('Keep daily', { exact: true }).fill('14');
    await dialog.getByLabel('Keep monthly', { exact: true }).fill('12');
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.getByTestId('policies-table').getByRole('row', { name: /office default/ });
    expect(await row.textContent()).toContain('last 7 · daily 14 · monthly 12');
    expect(await api('/retention-policies')).toMatchObject([
      { name: 'office default', keepLast: 7, keepDaily: 14, keepWeekly: 0, keepMonthly: 12, keepYearly: 0, keepWithinDays: 0 },
    ]);
  });

  it('creates a schedule for all clients with a window and that policy, after fixing validation errors', async () => {
    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = page.getByRole('dialog');
    // The dialog moves focus to its first field once it has opened; typing before that would land there.
    await page.waitForFunction(() => document.activeElement?.closest('mat-dialog-container') != null);
    await dialog.getByLabel('Name', { exact: true }).fill('nightly');
    await dialog.getByLabel('Cron expression').fill('0 22 * *');
    await dialog.getByLabel('Time zone').fill('Europe/Berlin');
    await dialog.getByLabel('Window start').fill('20:00');
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog.getByText('Needs 5 space-separated fields').waitFor();
    await dialog.getByText('Give both ends of the window, or neither.').waitFor();

    await dialog.getByLabel('Cron expression').fill('0 22 * * *');
    await dialog.getByLabel('Window end').fill('06:00');
    await dialog.getByLabel('Full backup every (days)').fill('30');
    await dialog.getByLabel('Jitter (seconds)').fill('600');
    await dialog.getByLabel('Retention policy').click();
    await page.getByRole('option', { name: 'office default' }).click();
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.reload();
    const row = page.getByTestId('schedules-table').getByRole('row', { name: /nightly/ });
    await row.waitFor();
    const text = await row.textContent();
    for (const part of ['All clients', '0 22 * * *', 'Europe/Berlin', '20:00–06:00', '30 d', 'office default', 'Enabled']) expect(text).toContain(part);
    expect(await api('/schedules')).toMatchObject([
      { name: 'nightly', clientId: null, cron: '0 22 * * *', timezone: 'Europe/Berlin', windowStart: '20:00', windowEnd: '06:00', fullEveryDays: 30, jitterSeconds: 600, enabled: true },
    ]);
  });

  it('edits the schedule: disabling it and dropping the window', async () => {
    await page.getByRole('button', { name: 'Edit schedule nightly' }).click();
    const dialog = page.getByRole('dialog');
    // The dialog moves focus to its first field once it has opened; typing before that would land there.
    await page.waitForFunction(() => document.activeElement?.closest('mat-dialog-container') != null);
    await dialog.getByLabel('Window start').fill('');
    await dialog.getByLabel('Window end').fill('');
    await dialog.getByText('Enabled', { exact: true }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await api('/schedules')).toMatchObject([{ name: 'nightly', windowStart: null, windowEnd: null, enabled: false }]);
    const row = page.getByTestId('schedules-table').getByRole('row', { name: /nightly/ });
    expect(await row.textContent()).toContain('Disabled');
  });

  it('shows the counts on the dashboard', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const schedules = page.getByTestId('card-schedules');
    await schedules.getByText('0 enabled').waitFor();
    expect(await schedules.textContent()).toMatch(/Schedules.*1\s*0 enabled/s);
    expect(await page.getByTestId('card-policies').textContent()).toMatch(/1/);
    expect(await page.getByTestId('card-last-runs').textContent()).toContain('No backup has run yet.');
  });
});
