import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, repoRoot, startStack } from '../harness/services.js';

// The console is served by the api from the production build; the spec drives it like a person would.
const consoleIndex = `${repoRoot}frontend/dist/browser/index.html`;

describe('console: sign in, create a client with a share (real api, headless Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const sharePassword = `Sh4re-${Math.random().toString(36).slice(2)}!`;
  const clientName = 'ws-e2e-01';

  beforeAll(async () => {
    if (!existsSync(consoleIndex)) throw new Error(`${consoleIndex} is missing: run "npm run build -w frontend" first`);
    stack = await startStack({ services: ['api'] });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sends an anonymous visitor to the login screen', async () => {
    await page.goto(`${stack.apiUrl}/clients`);
    await page.waitForURL(/\/login\?returnUrl=%2Fclients$/);
    await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
  });

  it('says so when the password is wrong', async () => {
    await page.getByLabel('Email', { exact: true }).fill(stack.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Invalid email or password');
    expect(page.url()).toContain('/login');
  });

  it('signs in with the right password and returns to the page asked for', async () => {
    await page.getByLabel('Password', { exact: true }).fill(stack.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/clients$/);
    expect(await page.getByTestId('current-user').textContent()).toContain(stack.adminEmail);
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === '__Host-bt_session')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
  });

  it('creates a client and a share with a password that is never shown again', async () => {
    await page.getByRole('link', { name: 'New client' }).click();
    await page.getByLabel('Name', { exact: true }).fill(clientName);
    await page.getByLabel('Hostname').fill('ws-e2e-01.office.lan');
    await page.getByLabel('Description').fill('created by the console e2e test');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
    const clientId = page.url().split('/').pop()!;

    await page.getByRole('button', { name: 'Add share' }).click();
    const dialog = page.getByRole('dialog');
    // The dialog moves focus to its first field once it has opened; typing before that would land there.
    await page.waitForFunction(() => document.activeElement?.closest('mat-dialog-container') != null);
    await dialog.getByLabel('Name', { exact: true }).fill('documents');
    await dialog.getByLabel('URL').fill('smb://ws-e2e-01.office.lan/Users/alice');
    await dialog.getByLabel('Domain').fill('OFFICE');
    await dialog.getByLabel('Username').fill('alice');
    await dialog.getByLabel('Password', { exact: true }).fill(sharePassword);
    await dialog.getByLabel('Excludes').fill('*.tmp\nTemp/');
    await dialog.getByRole('button', { name: 'Add share' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Reload so what is shown comes from the api, not from what the form just held.
    await page.reload();
    const row = page.getByTestId('shares-table').getByRole('row', { name: /documents/ });
    await row.waitFor();
    const rowText = await row.textContent();
    expect(rowText).toContain('smb://ws-e2e-01.office.lan/Users/alice');
    expect(rowText).toContain('OFFICE\\alice');
    expect(rowText).toContain('password set');
    expect(await page.content()).not.toContain(sharePassword);

    const shares = await page.evaluate(async (id) => (await fetch(`/api/clients/${id}/shares`)).text(), clientId);
    expect(shares).not.toContain(sharePassword);
    expect(JSON.parse(shares)).toMatchObject([{ name: 'documents', hasPassword: true, excludes: ['*.tmp', 'Temp/'] }]);

    // Editing shows that a password is set but never its value.
    await page.getByRole('button', { name: 'Edit share documents' }).click();
    await page.getByTestId('dialog-password-set').waitFor();
    expect(await page.getByRole('dialog').getByLabel('New password').inputValue()).toBe('');
    expect(await page.content()).not.toContain(sharePassword);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('lists the new client', async () => {
    await page.getByRole('link', { name: 'Clients', exact: true }).click();
    await page.waitForURL(/\/clients$/);
    const row = page.getByTestId('clients-table').getByRole('row', { name: new RegExp(clientName) });
    await row.waitFor();
    expect(await row.textContent()).toContain('ws-e2e-01.office.lan');
    expect(await row.textContent()).toContain('Enabled');
  });

  it('signs out, after which the console asks for a login again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.waitForURL(/\/login\?returnUrl=%2Fdashboard$/);
  });
});
