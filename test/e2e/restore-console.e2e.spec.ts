import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupDriver } from '../harness/backups.js';
import { type SambaServer, startSamba } from '../harness/samba.js';
import { type Stack, repoRoot, startStack } from '../harness/services.js';
import { compareTrees, readTree, type TreeState } from '../harness/trees.js';
import { ApiClient, openConsole } from './browse.seed.js';

const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;
const screenshotDir = join(repoRoot, 'test-results', 'restore-console');

/**
 * The Restore screen end to end: api and copy worker as processes, a real smbd share, Postgres,
 * Redis and the console in headless Chromium. Snapshot 1 of a folder is restored over the changed
 * share, first with overwrite (files added since stay), then with mirror (they go too).
 */
describe('console: restore a folder of snapshot 1 over the original share (api, copy worker, smbd, Chromium)', () => {
  let work: string;
  let shareDir: string;
  let spareDir: string;
  let samba: SambaServer;
  let stack: Stack;
  let driver: BackupDriver;
  let browser: Browser;
  let page: Page;
  let clientId: string;
  let subAtSnapshot1: TreeState;
  let outsideSub: TreeState;

  /** The console scrolls inside its shell, so a tall viewport is what shows a whole screen at once. */
  const shot = async (name: string, height = 900) => {
    await page.setViewportSize({ width: 1280, height });
    await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  const writeAt = async (path: string, data: string | Buffer, mtime: Date) => {
    await writeFile(path, data);
    await utimes(path, mtime, mtime);
  };

  /** Restore screen → client → snapshot #1 on the timeline → docs → tick sub; returns after the tick. */
  async function pickSubOfSnapshot1(): Promise<void> {
    await page.goto(`${stack.apiUrl}/restore`);
    // A select without options does not open: click again until the client list has arrived.
    const option = page.getByRole('option', { name: 'restore-ws', exact: true });
    for (let attempt = 0; !(await option.isVisible()); attempt++) {
      if (attempt === 30) throw new Error('the client list never showed restore-ws');
      await page.getByTestId('client-picker').click();
      await option.waitFor({ timeout: 500 }).catch(() => undefined);
    }
    await option.click();
    await page.getByTestId('snapshot-timeline').locator('[data-seq="2"][aria-pressed="true"]').waitFor();
    await page.getByTestId('snapshot-timeline').locator('[data-seq="1"]').click();
    await page.getByTestId('chosen-snapshot').getByText('snapshot #1').waitFor();
    await page.getByTestId('tree-table').getByRole('button', { name: 'docs', exact: true }).click();
    await page.getByTestId('tree-table').locator('tr[data-entry="sub"]').waitFor();
    await page.locator('tr[data-entry="sub"] input[type="checkbox"]').check();
    await page.getByTestId('picked').getByText('docs/sub').waitFor();
  }

  async function waitForState(state: string): Promise<string> {
    await page.waitForURL(/\/restore\/[0-9a-f-]{36}$/);
    const restoreId = page.url().split('/').pop()!;
    await page.locator(`[data-testid="restore-state"] [data-state="${state}"]`).waitFor({ timeout: 60_000 });
    return restoreId;
  }

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build:frontend" first`);
    await mkdir(screenshotDir, { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'bt-restore-console-'));
    shareDir = join(work, 'share');
    const t = (day: number) => new Date(Date.UTC(2025, 5, day, 10, 30, 15, 250));
    await mkdir(join(shareDir, 'sub', 'nested', 'deeper'), { recursive: true });
    await mkdir(join(shareDir, 'sub', 'empty folder'), { recursive: true });
    await writeAt(join(shareDir, 'top.txt'), 'outside the restored folder\n', t(1));
    await writeAt(join(shareDir, 'sub', 'a.txt'), 'version one of a\n', t(2));
    await writeAt(join(shareDir, 'sub', 'Prüfung 名前 (final).txt'), 'unicode name\n', t(3));
    await writeAt(join(shareDir, 'sub', 'empty.txt'), '', t(4));
    await writeAt(join(shareDir, 'sub', 'nested', 'b.bin'), randomBytes(3 * 1024 * 1024 + 17), t(5));
    await writeAt(join(shareDir, 'sub', 'nested', 'deeper', 'c.txt'), 'deep\n', t(6));
    // Big enough that the restore runs for a few progress intervals (the worker reports every 500 ms).
    await writeAt(join(shareDir, 'sub', 'big.bin'), randomBytes(300 * 1024 * 1024), t(8));
    for (let i = 0; i < 40; i++) await writeAt(join(shareDir, 'sub', 'nested', `f${String(i).padStart(2, '0')}.dat`), randomBytes(4096 + i), t(7));

    spareDir = join(work, 'spare');
    await mkdir(join(spareDir, 'from-ws', 'sub'), { recursive: true });
    await writeAt(join(spareDir, 'from-ws', 'sub', 'a.txt'), 'already at the other client\n', t(9));

    samba = await startSamba();
    await samba.addUser('bob', 'Bob-pass-12');
    await samba.addShare('docs', shareDir);
    await samba.addShare('spare', spareDir);
    stack = await startStack({ services: ['api', 'copy-worker'], env: { STORE_ROOT: join(work, 'store') } });
    driver = await new BackupDriver(stack.env).connect();
    const api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    const client = await api.call('POST', '/clients', { name: 'restore-ws', hostname: 'restore-ws' });
    expect(client.status).toBe(201);
    clientId = client.json.id;
    const share = await api.call('POST', `/clients/${clientId}/shares`, { name: 'docs', url: `smb://127.0.0.1:${samba.port}/docs`, username: 'bob', password: 'Bob-pass-12' });
    expect(share.status).toBe(201);
    const spare = await api.call('POST', '/clients', { name: 'spare-host', hostname: 'spare-host' });
    expect(spare.status).toBe(201);
    const spareShare = await api.call('POST', `/clients/${spare.json.id}/shares`, { name: 'spare', url: `smb://127.0.0.1:${samba.port}/spare`, username: 'bob', password: 'Bob-pass-12' });
    expect(spareShare.status).toBe(201);

    expect(await driver.waitFinished(await driver.enqueue(clientId))).toMatchObject({ state: 'succeeded', seq: 1 });
    subAtSnapshot1 = await readTree(join(shareDir, 'sub'));

    // Change, add and delete inside the folder, then back up again: snapshot 2 is the newest.
    await writeAt(join(shareDir, 'sub', 'a.txt'), 'version two of a, longer\n', t(20));
    await writeAt(join(shareDir, 'sub', 'nested', 'f03.dat'), randomBytes(5000), t(21));
    await unlink(join(shareDir, 'sub', 'nested', 'deeper', 'c.txt'));
    await unlink(join(shareDir, 'sub', 'empty.txt'));
    await writeAt(join(shareDir, 'sub', 'added later.txt'), 'not in snapshot 1\n', t(22));
    await writeAt(join(shareDir, 'top.txt'), 'outside, changed after snapshot 1\n', t(23));
    expect(await driver.waitFinished(await driver.enqueue(clientId))).toMatchObject({ state: 'succeeded', seq: 2 });
    // One more change after the last backup, so overwrite has something to put back.
    await writeAt(join(shareDir, 'sub', 'Prüfung 名前 (final).txt'), 'edited after every backup\n', t(24));
    const all = await readTree(shareDir);
    outsideSub = new Map([...all].filter(([path]) => !path.startsWith('sub/') && path !== 'sub'));

    ({ browser, page } = await openConsole(stack.apiUrl, stack.adminEmail, stack.adminPassword));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await driver?.close();
    await stack?.stop();
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('restores docs/sub of snapshot 1 with overwrite: the folder is snapshot 1 again, files added since stay', async () => {
    await pickSubOfSnapshot1();
    expect(await page.getByTestId('summary').textContent()).toContain('1 folder');
    expect(await page.getByTestId('summary-destination').textContent()).toContain('the original shares and paths of restore-ws');
    await page.getByTestId('policy').locator('[data-policy="overwrite"] input').check();
    await shot('restore-form', 2000);

    await page.getByTestId('start-restore').click();
    const confirm = page.getByTestId('restore-confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('docs/sub');
    await shot('restore-confirm');
    await page.getByTestId('confirm-start').click();
    await page.waitForURL(/\/restore\/[0-9a-f-]{36}$/);
    // Live from the event stream while it runs: files and bytes against the totals, rate, ETA, current path.
    const progress = page.getByTestId('restore-progress');
    await progress.getByTestId('current-path').waitFor({ timeout: 60_000 });
    const live = (await progress.textContent())!;
    expect(live).toMatch(/Files\s*\d+ \/ 46/);
    expect(live).toMatch(/Bytes\s*[\d.]+ \w*B \/ 303 MiB/);
    expect(live).toMatch(/Rate\s*[\d.]+ \w*B\/s/);
    expect(live).toContain('ETA');
    const percent = Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow'));
    expect(percent).toBeGreaterThanOrEqual(0);
    expect(percent).toBeLessThan(100);
    expect(await progress.getByTestId('current-path').textContent()).toMatch(/^docs\/sub\//);
    await shot('restore-live');
    const restoreId = await waitForState('succeeded');
    await page.getByTestId('restore-result').waitFor();
    // The log's last line is stored after the end is announced; the page still gets it.
    await page.getByTestId('restore-log').getByText(/restore succeeded: \d+ restored/).waitFor();
    await shot('restore-succeeded');

    const [row] = await driver.query<{ state: string; policy: string; paths: string[]; restored: number; failed: number; mirror: boolean }>(
      'SELECT state, policy, paths, restored, failed, mirror FROM restores WHERE id = $1', [restoreId],
    );
    expect(row).toMatchObject({ state: 'succeeded', policy: 'overwrite', paths: ['docs/sub'], failed: 0, mirror: false });
    expect(row!.restored).toBeGreaterThan(0);
    expect(await page.getByTestId('count-failed').textContent()).toBe('0');
    expect(Number((await page.getByTestId('count-restored').textContent())!.replace(/\D/g, ''))).toBe(row!.restored);

    const expected = new Map(subAtSnapshot1);
    expected.set('added later.txt', (await readTree(join(shareDir, 'sub'))).get('added later.txt')!);
    expect(compareTrees(expected, await readTree(join(shareDir, 'sub')))).toEqual([]);
    const outside = new Map([...(await readTree(shareDir))].filter(([path]) => !path.startsWith('sub/') && path !== 'sub'));
    expect(compareTrees(outsideSub, outside), 'nothing outside docs/sub changed').toEqual([]);
  });

  it('lists the restore in the history and opens it from there', async () => {
    await page.goto(`${stack.apiUrl}/restore`);
    const history = page.getByTestId('restore-history');
    const rowLocator = history.locator('tr[data-restore-id]');
    await rowLocator.first().waitFor();
    expect(await rowLocator.count()).toBe(1);
    const text = (await rowLocator.first().textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('restore-ws #1');
    expect(text).toContain('docs/sub');
    expect(text).toContain('original place');
    expect(await rowLocator.first().locator('[data-state]').getAttribute('data-state')).toBe('succeeded');
    await rowLocator.first().getByRole('link').click();
    await page.waitForURL(/\/restore\/[0-9a-f-]{36}$/);
    await page.locator('[data-testid="restore-state"] [data-state="succeeded"]').waitFor();
  });

  it('with mirror (started from Browse), asks to confirm deleting files, and the folder then equals snapshot 1 exactly', async () => {
    await page.goto(`${stack.apiUrl}/browse?client=${clientId}&seq=1&path=docs%2Fsub`);
    await page.getByTestId('entries-table').locator('tr[data-entry="nested"]').waitFor();
    await page.getByTestId('restore-folder').click();
    await page.waitForURL((url) => url.pathname === '/restore' && url.searchParams.get('client') === clientId && url.searchParams.get('seq') === '1' && url.searchParams.getAll('path').join() === 'docs/sub');
    await page.getByTestId('chosen-snapshot').getByText('snapshot #1').waitFor();
    await page.getByTestId('picked').getByText('docs/sub').waitFor();
    // Prefilled: the folder holding the picked path is open, with the path ticked.
    expect(await page.locator('tr[data-entry="sub"] input[type="checkbox"]').isChecked()).toBe(true);
    await page.getByTestId('mirror').locator('input').check();
    await page.getByText('Files will be deleted.').waitFor();
    await page.getByTestId('start-restore').click();
    await page.getByTestId('restore-confirm').getByText('will be removed').waitFor();
    expect(await page.getByTestId('confirm-start').isDisabled()).toBe(true);
    await page.getByTestId('confirm-mirror').locator('input').check();
    await shot('restore-confirm-mirror');
    await page.getByTestId('confirm-start').click();
    const restoreId = await waitForState('succeeded');
    const [row] = await driver.query<{ removed: number; mirror: boolean }>('SELECT removed, mirror FROM restores WHERE id = $1', [restoreId]);
    expect(row).toMatchObject({ mirror: true, removed: 1 });
    await page.getByTestId('restore-log').getByText('added later.txt', { exact: false }).waitFor();
    expect(compareTrees(subAtSnapshot1, await readTree(join(shareDir, 'sub')))).toEqual([]);
  });

  it("restores the folder into another client's share under a folder, and skip-existing leaves what is there", async () => {
    const before = (await readTree(join(spareDir, 'from-ws', 'sub'))).get('a.txt')!;
    await page.goto(`${stack.apiUrl}/restore?client=${clientId}&seq=1&path=docs%2Fsub`);
    await page.getByTestId('picked').getByText('docs/sub').waitFor();
    await page.getByTestId('destination').getByText("To another client's share").click();
    await page.getByTestId('destination-client').click();
    await page.getByRole('option', { name: 'spare-host', exact: true }).click();
    await page.getByTestId('destination-share').getByText('spare', { exact: true }).waitFor();
    await page.getByTestId('destination-path').fill('from-ws/');
    await page.getByTestId('policy').locator('[data-policy="skip-existing"] input').check();
    expect(await page.getByTestId('summary-destination').textContent()).toBe('spare-host, share spare, under from-ws/');
    await shot('restore-form-other-client', 2000);
    await page.getByTestId('start-restore').click();
    await page.getByTestId('confirm-start').click();
    const restoreId = await waitForState('succeeded');
    expect(await page.getByTestId('count-skipped').textContent()).toBe('1');
    expect(await page.getByTestId('restore-facts').textContent()).toContain('spare-host, share spare, under from-ws/');
    const [row] = await driver.query<{ skipped: number; failed: number }>('SELECT skipped, failed FROM restores WHERE id = $1', [restoreId]);
    expect(row).toEqual({ skipped: 1, failed: 0 });

    const expected = new Map(subAtSnapshot1);
    expected.set('a.txt', before);
    expect(compareTrees(expected, await readTree(join(spareDir, 'from-ws', 'sub')))).toEqual([]);
  });

  it('cancels a running restore from the console within seconds, leaving no temporary or truncated file', async () => {
    await page.goto(`${stack.apiUrl}/restore?client=${clientId}&seq=1&path=docs%2Fsub`);
    await page.getByTestId('picked').getByText('docs/sub').waitFor();
    await page.getByTestId('destination').getByText("To another client's share").click();
    await page.getByTestId('destination-client').click();
    await page.getByRole('option', { name: 'spare-host', exact: true }).click();
    await page.getByTestId('destination-share').getByText('spare', { exact: true }).waitFor();
    await page.getByTestId('destination-path').fill('cancelled');
    await page.getByTestId('start-restore').click();
    await page.getByTestId('confirm-start').click();
    await page.waitForURL(/\/restore\/[0-9a-f-]{36}$/);
    await page.getByTestId('restore-progress').getByTestId('current-path').waitFor({ timeout: 60_000 });
    const clicked = Date.now();
    await page.getByTestId('cancel-restore').click();
    await page.locator('[data-testid="restore-state"] [data-state="cancelled"]').waitFor({ timeout: 5_000 });
    const restoreId = page.url().split('/').pop()!;
    // The worker has let go of the share once the row says cancelled and finished.
    const [row] = await driver.query<{ state: string; finished_at: Date | null }>('SELECT state, finished_at FROM restores WHERE id = $1', [restoreId]);
    expect(row!.state).toBe('cancelled');
    expect(row!.finished_at).not.toBeNull();
    expect(Date.now() - clicked).toBeLessThan(5_000);
    await page.getByTestId('restore-log').getByText(/restore cancelled/).waitFor();
    await shot('restore-cancelled');

    const left = await readTree(join(spareDir, 'cancelled', 'sub'));
    const problems: string[] = [];
    for (const [path, state] of left) {
      if (path.split('/').pop()!.startsWith('.bt-restore-')) problems.push(`temporary file left: ${path}`);
      const want = subAtSnapshot1.get(path);
      if (state === 'dir') continue;
      if (!want || want === 'dir' || want.sha256 !== state.sha256) problems.push(`${path} is not snapshot 1's file`);
    }
    expect(problems).toEqual([]);
    // It really stopped part way: the 300 MiB file was not finished.
    expect(left.has('big.bin')).toBe(false);
  });
});
