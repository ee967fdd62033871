import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { type CatalogChange, type CatalogEntry, SnapshotCatalogRepository, createCatalogDataSource } from '@backtrac/catalog';
import { HardlinkStore, type ManifestEntry, comparePaths } from '@backtrac/store';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { DataSource } from 'typeorm';
export { ApiClient } from '../harness/api-client.js';

/** One entry of a seeded client tree; paths are the catalog's ("share/dir/name"). */
export type SeedEntry =
  | { path: string; type: 'dir'; mtime: number }
  | { path: string; type: 'file'; mtime: number; content: Buffer }
  | { path: string; type: 'symlink'; mtime: number; target: string };

export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * A real hardlink store on a temp dir plus the catalog rows a copy worker would write for it:
 * snapshots are made with the store's SnapshotWriter, versions recorded with the catalog's own
 * SnapshotCatalogRepository, so the api reads exactly what production writes.
 */
export class SeededStore {
  readonly catalog: DataSource;
  private previous = new Map<string, CatalogEntry>();

  private constructor(
    readonly root: string,
    readonly store: HardlinkStore,
    databaseUrl: string,
  ) {
    this.catalog = createCatalogDataSource({ databaseUrl, applicationName: 'backtrac-browse-seed', poolSize: 2 });
  }

  /** A fresh temp directory for a store (the caller hands it to the api before seeding it). */
  static tempRoot(): Promise<string> {
    return mkdtemp(join(tmpdir(), 'bt-browse-store-'));
  }

  static async create(databaseUrl: string, root: string): Promise<SeededStore> {
    const store = await HardlinkStore.open(root, { create: true, durability: 'none' });
    const seeded = new SeededStore(root, store, databaseUrl);
    await seeded.catalog.initialize();
    return seeded;
  }

  /** Writes snapshot `seq` of the client holding exactly `tree`, with its run row; returns the run id. */
  async snapshot(clientId: string, seq: number, tree: readonly SeedEntry[], run: { bytesStoredNew?: number; finishedAt?: Date } = {}): Promise<string> {
    const startedAt = new Date();
    const writer = await this.store.beginSnapshot(clientId, { jobId: `seed-${seq}`, seq });
    const sorted = [...tree].sort((a, b) => comparePaths(a.path.split('/'), b.path.split('/')));
    const current = new Map<string, CatalogEntry>();
    let totalBytes = 0;
    let fileCount = 0;
    for (const entry of sorted) {
      const segments = entry.path.split('/');
      const meta = { size: entry.type === 'file' ? entry.content.length : 0, mtime: entry.mtime, mode: 0o644 };
      let written: ManifestEntry;
      if (entry.type === 'dir') written = await writer.addDirectory(segments, meta);
      else if (entry.type === 'symlink') written = await writer.addSymlink(segments, entry.target, meta);
      else if (entry.content.length === 0) written = await writer.addEmptyFile(segments, meta);
      else written = (await writer.addFile(segments, meta, Readable.from([entry.content]))).entry;
      await writer.append(written);
      if (entry.type === 'file') {
        fileCount++;
        totalBytes += entry.content.length;
      }
      current.set(entry.path, {
        parent: segments.slice(0, -1).join('/'),
        name: segments.at(-1)!,
        type: entry.type,
        size: written.size,
        mtime: entry.mtime,
        mode: 0o644,
        sha256: written.sha256 ?? null,
        linkTarget: written.target ?? null,
      });
    }
    await writer.commit({ startedAt, outcome: 'complete' });
    const finishedAt = run.finishedAt ?? new Date();
    const [inserted] = (await this.catalog.query(
      `INSERT INTO backup_runs (client_id, job_id, seq, kind, trigger, state, files_new, bytes_read, bytes_stored_new, bytes_total, queued_at, started_at, finished_at)
       VALUES ($1, $2, $3, $4, 'schedule', 'succeeded', $5, $6, $7, $6, $8, $8, $8) RETURNING id`,
      [clientId, `backup:${clientId}:seed-${seq}`, seq, seq === 1 ? 'full' : 'incremental', fileCount, totalBytes, run.bytesStoredNew ?? totalBytes, finishedAt],
    )) as { id: string }[];
    const changes: CatalogChange[] = [];
    for (const [path, entry] of current) {
      const before = this.previous.get(path);
      if (!before) changes.push({ kind: 'added', entry });
      else if (JSON.stringify(before) !== JSON.stringify(entry)) changes.push({ kind: 'changed', entry });
    }
    for (const [path, entry] of this.previous) if (!current.has(path)) changes.push({ kind: 'removed', parent: entry.parent, name: entry.name });
    await new SnapshotCatalogRepository(this.catalog).recordSnapshot(
      { clientId, seq, runId: inserted!.id, kind: seq === 1 ? 'full' : 'incremental', partial: false, fileCount, totalBytes, createdAt: startedAt, completedAt: finishedAt },
      (async function* () {
        yield* changes;
      })(),
    );
    this.previous = current;
    return inserted!.id;
  }

  snapshotDir(clientId: string, seq: number): string {
    return this.store.snapshotDir(clientId, seq);
  }

  async cleanup(): Promise<void> {
    if (this.catalog.isInitialized) await this.catalog.destroy();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Deterministic pseudo-random bytes so a failure is reproducible. */
export function bytesOf(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}


/* The client tree both browse specs seed: two snapshots of two shares, with names that need care. */
export const t0 = Date.UTC(2025, 0, 1, 8, 0, 0);
export const unicodeName = 'Prüfung "final" 名前.txt';
export const longName = `${'é'.repeat(130)}.txt`; // 265 bytes: stored under an escaped name on disk
export const escapedName = '~BT~looks-like-ours.txt';
export const manyCount = 120;

export const v1 = Buffer.from('hello, version one\n');
export const v2 = Buffer.from('hello, version two is longer\n');
export const big = bytesOf(300 * 1024, 'b.bin');

export function treeOne(): SeedEntry[] {
  const many: SeedEntry[] = Array.from({ length: manyCount }, (_, i) => ({
    path: `docs/many/f${String(i).padStart(3, '0')}`,
    type: 'file' as const,
    mtime: t0 + ((i * 7919) % manyCount) * 1000,
    content: bytesOf(((i * 37) % manyCount) + 1, `many-${i}`),
  }));
  return [
    { path: 'docs', type: 'dir', mtime: t0 },
    { path: 'docs/a.txt', type: 'file', mtime: t0 + 1000, content: v1 },
    { path: 'docs/sub', type: 'dir', mtime: t0 },
    { path: 'docs/sub/b.bin', type: 'file', mtime: t0 + 2000, content: big },
    { path: 'docs/empty.txt', type: 'file', mtime: t0 + 3000, content: Buffer.alloc(0) },
    { path: 'docs/link', type: 'symlink', mtime: t0 + 4000, target: '../../../etc/passwd' },
    { path: `docs/${unicodeName}`, type: 'file', mtime: t0 + 5000, content: Buffer.from('unicode\n') },
    { path: `docs/${escapedName}`, type: 'file', mtime: t0 + 6000, content: Buffer.from('escaped on disk\n') },
    { path: `docs/${longName}`, type: 'file', mtime: t0 + 7000, content: Buffer.from('long name\n') },
    { path: 'docs/..dots', type: 'file', mtime: t0 + 8000, content: Buffer.from('dots are data\n') },
    { path: 'docs/many', type: 'dir', mtime: t0 },
    ...many,
    { path: 'photos', type: 'dir', mtime: t0 },
    { path: 'photos/p.jpg', type: 'file', mtime: t0 + 9000, content: bytesOf(5000, 'p.jpg') },
  ];
}

export function treeTwo(): SeedEntry[] {
  return [
    ...treeOne()
      .filter((e) => e.path !== 'docs/sub/b.bin')
      .map((e) => (e.path === 'docs/a.txt' ? { ...e, content: v2, mtime: t0 + 86_400_000 } : e)),
    { path: 'docs/new.txt', type: 'file', mtime: t0 + 86_400_000, content: Buffer.from('new in two\n') },
  ];
}

/** Creates the client "ws-browse" with two shares through the api and seeds snapshots 1 and 2 of it. */
export async function seedBrowseClient(api: ApiClient, seeded: SeededStore): Promise<{ clientId: string; runIds: string[] }> {
  const client = await api.call('POST', '/clients', { name: 'ws-browse', hostname: 'ws-browse.lan' });
  if (client.status !== 201) throw new Error(`creating the client failed: ${client.text}`);
  const clientId = client.json.id as string;
  for (const name of ['docs', 'photos']) {
    const share = await api.call('POST', `/clients/${clientId}/shares`, { name, url: `file:///srv/${name}` });
    if (share.status !== 201) throw new Error(`creating share ${name} failed: ${share.text}`);
  }
  const runIds = [
    await seeded.snapshot(clientId, 1, treeOne(), { finishedAt: new Date(t0 + 3_600_000) }),
    await seeded.snapshot(clientId, 2, treeTwo(), { bytesStoredNew: v2.length + 11, finishedAt: new Date(t0 + 90_000_000) }),
  ];
  return { clientId, runIds };
}

/** Headless Chromium with the same flags as the other console specs, signed in to the console. */
export async function openConsole(apiUrl: string, email: string, password: string, downloads = false): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: downloads });
  page.setDefaultTimeout(15_000);
  await page.goto(`${apiUrl}/dashboard`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dashboard$/);
  return { browser, page };
}

/** With SCREENSHOT_DIR set, saves a full-page screenshot there (for looking at the screens). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
