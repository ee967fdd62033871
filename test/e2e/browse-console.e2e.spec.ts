import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, repoRoot, startStack } from '../harness/services.js';
import { ApiClient, SeededStore, big, manyCount, openConsole, screenshot, seedBrowseClient, sha256Hex, unicodeName, v1, v2 } from './browse.seed.js';

const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

describe('console: browse a seeded snapshot, see versions, download files (real api and store, headless Chromium)', () => {
  let stack: Stack;
  let seeded: SeededStore;
  let browser: Browser;
  let page: Page;
  let clientId: string;

  const rows = () => page.getByTestId('entries-table').locator('tr[data-entry]');
  const rowNames = async () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entry')));
  /** Clicks a download link and returns the file's name and bytes as the browser saved them. */
  const download = async (name: string): Promise<{ name: string; bytes: Buffer }> => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download ${name}`, exact: true }).click()]);
    return { name: file.suggestedFilename(), bytes: await readFile((await file.path())!) };
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
    ({ browser, page } = await openConsole(stack.apiUrl, stack.adminEmail, stack.adminPassword, true));
  });

  afterAll(async () => {
    await browser?.close();
    await seeded?.cleanup();
    await stack?.stop();
  });

  it('picks a client and opens its newest snapshot at the root', async () => {
    await page.getByRole('link', { name: 'Browse' }).click();
    await page.waitForURL(/\/browse$/);
    await page.getByTestId('client-picker').click();
    await page.getByRole('option', { name: 'ws-browse' }).click();
    await page.waitForURL(new RegExp(`/browse\\?client=${clientId}&seq=2$`));
    await rows().first().waitFor();
    expect(await rowNames()).toEqual(['docs', 'photos']);
    expect(await page.getByTestId('snapshot-picker').textContent()).toContain('#2');
  });

  it('walks into directories with breadcrumbs, pages and sorts a large one', async () => {
    await page.getByRole('button', { name: 'docs', exact: true }).click();
    await page.waitForURL(/path=docs/);
    await page.locator('tr[data-entry="a.txt"]').waitFor();
    const names = await rowNames();
    expect(names.slice(0, 2)).toEqual(['many', 'sub']);
    expect(names).toContain(unicodeName);
    expect(names).toContain('new.txt');

    await page.getByRole('button', { name: 'many', exact: true }).click();
    await page.locator('tr[data-entry="f000"]').waitFor();
    expect(await rows().count()).toBe(50);
    expect(await page.locator('.mat-mdc-paginator-range-label').textContent()).toContain(`1 – 50 of ${manyCount}`);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('tr[data-entry="f050"]').waitFor();
    expect((await rowNames())[0]).toBe('f050');
    await page.getByRole('button', { name: 'Last page' }).click();
    await page.locator('tr[data-entry="f119"]').waitFor();
    expect(await rows().count()).toBe(manyCount - 100);

    // Sorting is done by the api: the biggest file of all pages comes first.
    await page.getByRole('columnheader', { name: 'Size' }).click();
    await page.waitForURL(/sort=size/);
    await page.getByRole('columnheader', { name: 'Size' }).click();
    await page.waitForURL(/order=desc/);
    await page.waitForFunction(() => document.querySelector('tr[data-entry]')?.getAttribute('data-entry') !== 'f000');
    const sizes = await rows().evaluateAll((trs) => trs.map((tr) => tr.querySelector('td.mat-column-size')!.textContent!.trim()));
    expect(sizes[0]).toBe(`${manyCount} B`);
    await screenshot(page, 'browse-many-sorted');

    await page.getByTestId('breadcrumbs').getByRole('button', { name: 'docs' }).click();
    await page.locator('tr[data-entry="a.txt"]').waitFor();
    await screenshot(page, 'browse-docs');
  });

  it('shows the versions of a file and downloads one of them', async () => {
    await page.getByRole('button', { name: 'Versions of a.txt' }).click();
    const dialog = page.getByRole('dialog');
    const table = dialog.getByTestId('history-table');
    await table.locator('tbody tr').nth(1).waitFor();
    const texts = await table.locator('tbody tr').allTextContents();
    expect(texts[0]).toContain('#2 – now');
    expect(texts[1]).toContain('#1 – #1');
    expect(texts[1]).toContain(sha256Hex(v1).slice(0, 12));
    await screenshot(page, 'browse-versions');
    const [file] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download the version of snapshot 1' }).click()]);
    expect(sha256Hex(await readFile((await file.path())!))).toBe(sha256Hex(v1));
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('downloads files of the snapshot shown, byte for byte and under their own names', async () => {
    const a = await download('a.txt');
    expect(a.name).toBe('a.txt');
    expect(a.bytes.equals(v2)).toBe(true);
    const unicode = await download(unicodeName);
    // The exact name arrives (RFC 5987); Chromium itself swaps '"', which Windows cannot hold, for '_'.
    expect(unicode.name).toBe(unicodeName.replaceAll('"', '_'));
    expect(unicode.bytes.toString()).toBe('unicode\n');
  });

  it('switches to an older snapshot where a since-deleted file is still there', async () => {
    await page.getByTestId('snapshot-picker').click();
    await page.getByRole('option', { name: /^#1 / }).click();
    await page.waitForURL(/seq=1/);
    await page.getByRole('button', { name: 'sub', exact: true }).click();
    await page.locator('tr[data-entry="b.bin"]').waitFor();
    const file = await download('b.bin');
    expect(file.bytes.length).toBe(big.length);
    expect(file.bytes.equals(big)).toBe(true);
  });
});
