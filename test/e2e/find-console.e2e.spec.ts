import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, repoRoot, startStack } from '../harness/services.js';
import { memberKey, readArchive } from './archive.helpers.js';
import { ApiClient, SeededStore, openConsole, screenshot, seedBrowseClient, sha256Hex, v1, v2 } from './browse.seed.js';

const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

describe('console: download a folder or a selection as zip/tar, find a file in every snapshot (real api and store, headless Chromium)', () => {
  let stack: Stack;
  let seeded: SeededStore;
  let browser: Browser;
  let page: Page;
  let clientId: string;
  let work: string;

  /** Saves a download the page starts with `click` and reads it back with Python. */
  async function saved(click: () => Promise<void>, format: 'zip' | 'tar', name: string) {
    const [file] = (await Promise.all([page.waitForEvent('download'), click()])) as [Download, void];
    const target = join(work, name);
    await file.saveAs(target);
    return { suggested: file.suggestedFilename(), members: await readArchive(target, format) };
  }

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build -w frontend" first`);
    work = await mkdtemp(join(tmpdir(), 'bt-find-console-'));
    const storeRoot = await SeededStore.tempRoot();
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: storeRoot, FILE_SHARE_ROOTS: '/srv' } });
    const api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    seeded = await SeededStore.create(stack.env.DATABASE_URL!, storeRoot);
    ({ clientId } = await seedBrowseClient(api, seeded));
    ({ browser, page } = await openConsole(stack.apiUrl, stack.adminEmail, stack.adminPassword, true));
  });

  afterAll(async () => {
    await browser?.close();
    await seeded?.cleanup();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('downloads the folder shown as tar, and a ticked selection as zip', async () => {
    await page.goto(`${stack.apiUrl}/browse?client=${clientId}&seq=2&path=docs`);
    await page.locator('tr[data-entry="a.txt"]').waitFor();
    expect(await page.getByTestId('archive-bar').textContent()).toContain('This folder');
    const folder = await saved(() => page.getByTestId('download-tar').click(), 'tar', 'docs.tar');
    expect(folder.suggested).toBe('ws-browse-2-docs.tar');
    expect(folder.members.get('docs/a.txt')?.sha256).toBe(sha256Hex(v2));
    expect(folder.members.get('docs/many/f119')?.kind).toBe('file');
    expect(folder.members.get('docs/link')).toMatchObject({ kind: 'symlink', target: '../../../etc/passwd' });

    for (const name of ['a.txt', 'new.txt', 'sub']) await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
    expect(await page.getByTestId('archive-bar').textContent()).toContain('3 selected');
    const selection = await saved(() => page.getByTestId('download-zip').click(), 'zip', 'selection.zip');
    expect([...selection.members.keys()].map(memberKey).sort()).toEqual(['a.txt', 'new.txt', 'sub']);
    expect(selection.members.get('a.txt')?.sha256).toBe(sha256Hex(v2));
    await screenshot(page, 'browse-selection');

    // A new directory starts with nothing selected.
    await page.getByRole('button', { name: 'many', exact: true }).click();
    await page.locator('tr[data-entry="f000"]').waitFor();
    expect(await page.getByTestId('archive-bar').textContent()).toContain('This folder');
  });

  it('finds a name in every snapshot from the Browse search box, with each version downloadable and a way to restore it', async () => {
    await page.getByTestId('find-box').fill('A.TXT');
    await page.getByTestId('find-box').press('Enter');
    await page.waitForURL(new RegExp(`/find\\?client=${clientId}&q=A.TXT$`));
    const hit = page.locator('[data-hit="docs/a.txt"]');
    await hit.waitFor();
    expect(await page.getByTestId('find-total').textContent()).toContain('1 path(s) match');
    await hit.locator('mat-expansion-panel-header').click();
    const rows = hit.locator('tr[data-first-seq]');
    await rows.nth(1).waitFor({ state: 'visible' });
    expect((await rows.allTextContents()).map((t) => t.trim())).toEqual([expect.stringContaining('#1 – #1'), expect.stringContaining('#2 – now')]);
    await screenshot(page, 'find-versions');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download a.txt from snapshot 1' }).click()]);
    const target = join(work, 'a-v1.txt');
    await file.saveAs(target);
    expect(sha256Hex(await readFile(target))).toBe(sha256Hex(v1));

    await page.getByRole('button', { name: 'Restore a.txt from snapshot 2' }).click();
    await page.waitForURL(/\/restore\?/);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({ client: clientId, seq: '2', path: 'docs/a.txt' });
  });

  it('pages through the matches of a glob on its own Find screen', async () => {
    await page.getByRole('link', { name: 'Find', exact: true }).click();
    await page.waitForURL(/\/find/);
    if (!page.url().includes(`client=${clientId}`)) {
      await page.getByTestId('find-client-picker').click();
      await page.getByRole('option', { name: 'ws-browse' }).click();
    }
    await page.getByTestId('find-query').fill('f1??');
    await page.getByTestId('find-query').press('Enter');
    await page.waitForURL(/q=f1%3F%3F|q=f1\?\?/);
    await page.locator('[data-hit="docs/many/f100"]').waitFor();
    expect(await page.getByTestId('find-total').textContent()).toContain('20 path(s) match');
    expect(await page.locator('[data-hit]').count()).toBe(20);
    await page.getByTestId('find-query').fill('no-such-name');
    await page.getByTestId('find-query').press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="find-total"]')?.textContent?.includes('0 path(s)'));
  });
});
