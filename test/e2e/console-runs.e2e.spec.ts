import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, repoRoot, startStack } from '../harness/services.js';
import { ApiClient, SeededStore, openConsole, screenshot, seedBrowseClient } from './browse.seed.js';

const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

/**
 * The console's run screens against the real api. No copy worker runs here: the test plays its
 * part, writing the run row as the worker would and publishing its live events on Redis.
 */
describe('console: dashboard, back up now, live run progress, runs list (real api, Redis, headless Chromium)', () => {
  let stack: Stack;
  let seeded: SeededStore;
  let browser: Browser;
  let page: Page;
  let publisher: Redis;
  let clientId: string;
  let runId: string;

  const publish = (event: Record<string, unknown>) => publisher.publish(`${stack.env.REDIS_PREFIX}:events`, JSON.stringify(event));
  /**
   * The page opens its event stream on its own schedule; an event published before that is lost
   * (live events are best effort), so publish again until the page shows it.
   */
  const publishUntil = async (event: Record<string, unknown>, shown: Locator) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await publish(event);
      try {
        await shown.waitFor({ timeout: 500 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  };

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build -w frontend" first`);
    const storeRoot = await SeededStore.tempRoot();
    // The seeded shares are file:///srv/...: a directory an admin must list.
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: storeRoot, FILE_SHARE_ROOTS: '/srv' } });
    const api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    seeded = await SeededStore.create(stack.env.DATABASE_URL!, storeRoot);
    ({ clientId } = await seedBrowseClient(api, seeded));
    publisher = new Redis(stack.env.REDIS_URL!);
    ({ browser, page } = await openConsole(stack.apiUrl, stack.adminEmail, stack.adminPassword));
  });

  afterAll(async () => {
    publisher?.disconnect();
    await browser?.close();
    await seeded?.cleanup();
    await stack?.stop();
  });

  it('shows the last runs and a chart of store growth on the dashboard', async () => {
    const lastRuns = page.getByTestId('card-last-runs');
    await lastRuns.getByText('ws-browse').first().waitFor();
    expect(await lastRuns.locator('a.bt-run-row').count()).toBe(2);
    expect(await lastRuns.locator('[data-state="succeeded"]').count()).toBe(2);
    const growth = page.getByTestId('card-store-growth');
    await growth.locator('canvas').waitFor();
    // The chart really drew something: the canvas is no longer blank.
    const inked = await growth.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    });
    expect(inked).toBeGreaterThan(1000);
    expect(await growth.textContent()).toMatch(/backed up, .* stored/);
    await screenshot(page, 'dashboard');
  });

  it('starts a backup from the client page and opens its run', async () => {
    await page.goto(`${stack.apiUrl}/clients/${clientId}`);
    await page.getByTestId('shares-table').getByRole('cell', { name: 'docs', exact: true }).waitFor();
    await screenshot(page, 'client-page');
    await page.getByTestId('backup-now').click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    runId = page.url().split('/').pop()!;
    await page.locator('[data-testid="run-state"] [data-state="queued"]').waitFor();
    expect(await page.getByTestId('run-progress').textContent()).toContain('Waiting for a copy worker');
    const [row] = (await seeded.catalog.query('SELECT state, trigger, kind FROM backup_runs WHERE id = $1', [runId])) as { state: string; trigger: string; kind: string }[];
    expect(row).toEqual({ state: 'queued', trigger: 'manual', kind: 'incremental' });

    await page.goto(`${stack.apiUrl}/clients/${clientId}`);
    await page.getByTestId('backup-now').click();
    const error = page.getByTestId('client-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('already has a backup queued');
  });

  it('follows the run live: progress bar, rate, ETA, current path and log lines from the event stream', async () => {
    await page.goto(`${stack.apiUrl}/runs/${runId}`);
    await page.locator('[data-testid="run-state"] [data-state="queued"]').waitFor();
    await seeded.catalog.query(`UPDATE backup_runs SET state = 'running', seq = 3, started_at = now() WHERE id = $1`, [runId]);
    await publishUntil({ type: 'run.state', runId, clientId, state: 'running', error: null }, page.locator('[data-testid="run-state"] [data-state="running"]'));
    const progress = { type: 'run.progress', runId, clientId, filesDone: 41, filesTotal: 120, bytesDone: 3 * 1024 * 1024, bytesTotal: 12 * 1024 * 1024, currentPath: 'docs/many/f041', bytesPerSecond: 1024 * 1024, etaSeconds: 9 };
    await publish(progress);
    await page.getByTestId('current-path').waitFor();
    expect(await page.getByTestId('current-path').textContent()).toBe('docs/many/f041');
    const text = await page.getByTestId('run-progress').textContent();
    expect(text).toContain('41 / 120');
    expect(text).toContain('3.00 MiB / 12.0 MiB');
    expect(text).toContain('1.00 MiB/s');
    expect(text).toContain('9 s');
    expect(text).toContain('25 %');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    await publish({ type: 'run.log', runId, level: 'warn', message: 'skipped: access denied', path: 'docs/locked.db', at: new Date().toISOString() });
    await page.getByTestId('run-log').getByText('skipped: access denied').waitFor();
    // Another run's events do not show up here.
    await publish({ ...progress, runId: '00000000-0000-4000-8000-000000000000', currentPath: 'someone/else' });
    await publish({ ...progress, filesDone: 60, currentPath: 'docs/many/f060' });
    await page.getByTestId('current-path').getByText('docs/many/f060').waitFor();
    await screenshot(page, 'run-live');
  });

  it('shows the final counters and the stored log once the run finishes', async () => {
    await seeded.catalog.query(
      `UPDATE backup_runs SET state = 'partial', finished_at = now(), files_new = 3, files_changed = 2, files_unchanged = 114, files_skipped = 1, bytes_read = 4096, bytes_stored_new = 2048, bytes_total = 12582912 WHERE id = $1`,
      [runId],
    );
    await seeded.catalog.query(`INSERT INTO run_log_lines (run_id, level, message, path) VALUES ($1, 'info', 'walk finished', NULL), ($1, 'warn', 'skipped: access denied', 'docs/locked.db')`, [runId]);
    await publishUntil({ type: 'run.state', runId, clientId, state: 'partial', error: null }, page.locator('[data-testid="run-state"] [data-state="partial"]'));
    await page.getByTestId('run-progress').waitFor({ state: 'detached' });
    await page.getByTestId('run-log').getByText('walk finished').waitFor();
    const log = await page.getByTestId('run-log').textContent();
    expect(log).toContain('walk finished');
    expect(log!.match(/skipped: access denied/g)).toHaveLength(1);
    expect(await page.locator('.bt-facts').textContent()).toContain('Skipped1');
    await page.getByRole('link', { name: /Browse snapshot #3/ }).waitFor();
    await screenshot(page, 'run-finished');
  });

  it('lists runs with state chips and counters, filters by state, and updates a row live', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.waitForURL(/\/runs$/);
    const table = page.getByTestId('runs-table');
    await table.locator(`tr[data-run-id="${runId}"]`).waitFor();
    expect(await table.locator('tr[data-run-id]').count()).toBe(3);
    const mine = table.locator(`tr[data-run-id="${runId}"]`);
    expect(await mine.locator('[data-state]').getAttribute('data-state')).toBe('partial');
    expect((await mine.textContent())!.replace(/\s+/g, ' ')).toContain('3 / 2 / 114 / 1');
    await screenshot(page, 'runs-list');

    await page.getByTestId('run-state-filter').click();
    await page.getByRole('option', { name: 'succeeded' }).click();
    await page.waitForURL(/state=succeeded/);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-run-id]').length === 2);
    expect(await table.locator('[data-state="succeeded"]').count()).toBe(2);

    // A run that changes state while the list is open moves into the filtered list by itself.
    await seeded.catalog.query(`UPDATE backup_runs SET state = 'succeeded' WHERE id = $1`, [runId]);
    await publishUntil({ type: 'run.state', runId, clientId, state: 'succeeded', error: null }, table.locator(`tr[data-run-id="${runId}"]`));
    expect(await table.locator('tr[data-run-id]').count()).toBe(3);
  });
});
