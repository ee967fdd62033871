import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardlinkStore, restoreSnapshot } from '@backtrac/store';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { repoRoot, type Stack, startStack } from '../harness/services.js';
import { compareTrees, readTree } from '../harness/trees.js';
import { ApiClient, openConsole, screenshot } from './browse.seed.js';

const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

/**
 * One scheduled backup with nothing faked: a schedule due within the next minute, the real
 * scheduler enqueueing it, a real copy worker reading a real smbd share, the console following
 * the run live, and the snapshot restoring byte for byte.
 */
describe('a scheduled backup end to end (scheduler, copy worker, smbd, api, console in Chromium)', () => {
  let work: string;
  let shareDir: string;
  let storeRoot: string;
  let samba: SambaServer;
  let stack: Stack;
  let api: ApiClient;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build -w frontend" first`);
    work = await mkdtemp(join(tmpdir(), 'bt-scheduled-e2e-'));
    shareDir = join(work, 'share');
    storeRoot = join(work, 'store');
    // Enough small files that the run lasts several progress intervals (0.5 s each).
    for (let d = 0; d < 40; d++) {
      await mkdir(join(shareDir, 'projects', `p${d}`), { recursive: true });
      for (let f = 0; f < 60; f++) await writeFile(join(shareDir, 'projects', `p${d}`, `f${f}.bin`), randomBytes(24 * 1024));
    }
    await writeFile(join(shareDir, 'readme.txt'), 'scheduled backup e2e\n');
    samba = await startSamba();
    await samba.addUser('dana', 'Dana-pass-1');
    await samba.addShare('work', shareDir);
    stack = await startStack({
      services: ['api', 'scheduler', 'copy-worker'],
      env: { STORE_ROOT: storeRoot, SCHEDULER_TICK_SECONDS: '1', COPY_WORKER_CONCURRENCY: '1', FILES_IN_FLIGHT: '2', LOG_LEVEL: 'warn' },
    });
    api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    ({ browser, page } = await openConsole(stack.apiUrl, stack.adminEmail, stack.adminPassword));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs at its slot, shows live progress in the console, succeeds, and restores byte-identical', async () => {
    const client = await api.call('POST', '/clients', { name: 'ws-scheduled', hostname: 'ws-scheduled' });
    expect(client.status).toBe(201);
    const clientId = (client.json as { id: string }).id;
    const share = await api.call('POST', `/clients/${clientId}/shares`, { name: 'work', url: `smb://127.0.0.1:${samba.port}/work`, username: 'dana', password: 'Dana-pass-1' });
    expect(share.status).toBe(201);

    await page.goto(`${stack.apiUrl}/runs`);
    await page.getByTestId('runs-table').waitFor();

    // The next whole minute at least 20 s away: the schedule exists well before its slot.
    const slot = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const schedule = await api.call('POST', '/schedules', { name: 'once, next minute', clientId, cron: `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`, timezone: 'UTC' });
    expect(schedule.status).toBe(201);
    const jobId = `backup:${clientId}:${slot.toISOString().replace(/\.000Z$/, 'Z').replace(/[-:]/g, '')}`;

    // The run shows up in the runs list by itself once the copy worker starts it.
    const row = page.locator('tr[data-run-id]', { hasText: 'ws-scheduled' });
    await row.waitFor({ timeout: slot.getTime() - Date.now() + 60_000 });
    expect(Date.now()).toBeGreaterThanOrEqual(slot.getTime());
    const runId = (await row.getAttribute('data-run-id'))!;
    await row.getByRole('link', { name: 'Open run of ws-scheduled' }).click();
    await page.waitForURL(new RegExp(`/runs/${runId}$`));
    // Live progress from the event stream: the current path and a byte count move while it runs.
    const currentPath = page.getByTestId('current-path');
    await currentPath.waitFor();
    expect(await currentPath.textContent()).toMatch(/^work\//);
    expect(await page.getByTestId('run-progress').textContent()).toMatch(/Files\s*[\d,]+/);
    await screenshot(page, 'scheduled-run-live');
    await page.locator('[data-testid="run-state"] [data-state="succeeded"]').waitFor({ timeout: 120_000 });
    await page.getByTestId('run-progress').waitFor({ state: 'detached' });

    const run = await api.call('GET', `/runs/${runId}`);
    expect(run.json).toMatchObject({ id: runId, clientId, jobId, trigger: 'schedule', kind: 'full', state: 'succeeded', seq: 1, error: null, filesNew: 2401 });
    await screenshot(page, 'scheduled-run-finished');

    const target = join(work, 'restore');
    await restoreSnapshot(await HardlinkStore.open(storeRoot), clientId, 1, target);
    expect(compareTrees(await readTree(shareDir), await readTree(join(target, 'work')))).toEqual([]);
  });
});
