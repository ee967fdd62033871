import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../harness/services.js';
import { ApiClient, sha256Hex } from './browse.seed.js';

/**
 * The whole chain with no seeding: "back up now" through the api, the real copy worker pulls a
 * file:// share into the store and the catalog, and the api lists, shows history and downloads
 * exactly the bytes that were on the share at each run.
 */
describe('browse after real backups (api + copy worker processes, file:// share, Postgres, Redis, store)', () => {
  let work: string;
  let shareDir: string;
  let stack: Stack;
  let api: ApiClient;
  let clientId: string;
  const events: { type: string; runId: string; [key: string]: unknown }[] = [];
  const sse = new AbortController();
  const runs: string[] = [];
  const q = (value: string) => encodeURIComponent(value);

  const files: Record<string, Buffer> = {
    'report.txt': Buffer.from('quarterly numbers\n'),
    'deep/er/nested.bin': randomBytes(64 * 1024),
    'Ünïcode ☃ name.txt': Buffer.from('snow\n'),
    'big.bin': randomBytes(3 * 1024 * 1024),
    'empty.txt': Buffer.alloc(0),
  };

  async function backUp(): Promise<{ id: string; state: string; seq: number }> {
    const started = await api.call('POST', `/clients/${clientId}/backups`, {});
    expect(started.status, started.text).toBe(202);
    runs.push(started.json.runId);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const run = await api.call('GET', `/runs/${started.json.runId}`);
      if (!['queued', 'running'].includes(run.json.state)) return run.json;
      if (Date.now() > deadline) throw new Error(`run still ${run.json.state} after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const download = async (seq: number, path: string) => {
    const response = await api.raw(`/clients/${clientId}/snapshots/${seq}/download?path=${q(path)}`);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bt-browse-live-'));
    shareDir = join(work, 'share');
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(shareDir, path, '..'), { recursive: true });
      await writeFile(join(shareDir, path), content);
    }
    stack = await startStack({ services: ['api', 'copy-worker'], env: { STORE_ROOT: join(work, 'store'), FILE_SHARE_ROOTS: shareDir } });
    api = new ApiClient(stack.apiUrl);
    await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword });
    clientId = (await api.call('POST', '/clients', { name: 'ws-live', hostname: 'ws-live.lan' })).json.id;
    expect((await api.call('POST', `/clients/${clientId}/shares`, { name: 'docs', url: `file://${shareDir}` })).status).toBe(201);

    // Listen to every live event from before the first backup on.
    const response = await api.raw('/events', { signal: sse.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    })();
  }, 180_000);

  afterAll(async () => {
    sse.abort();
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('backs up on request and lists the new snapshot and its directories', async () => {
    const run = await backUp();
    expect(run).toMatchObject({ state: 'succeeded', seq: 1, trigger: 'manual', filesNew: Object.keys(files).length });
    const snapshots = await api.call('GET', `/clients/${clientId}/snapshots`);
    expect(snapshots.json).toEqual([expect.objectContaining({ seq: 1, runId: run.id, fileCount: Object.keys(files).length, partial: false })]);
    const root = await api.call('GET', `/clients/${clientId}/snapshots/1/entries`);
    expect(root.json.entries.map((e: { name: string }) => e.name)).toEqual(['docs']);
    const docs = await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs&limit=2`);
    expect(docs.json.total).toBe(5);
    expect(docs.json.entries).toEqual([expect.objectContaining({ name: 'deep', type: 'dir' }), expect.objectContaining({ name: 'big.bin', type: 'file', size: files['big.bin']!.length })]);
    const nested = await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/deep/er`);
    expect(nested.json.entries).toEqual([expect.objectContaining({ name: 'nested.bin', sha256: sha256Hex(files['deep/er/nested.bin']!) })]);
  });

  it('relayed the run live: running, progress, then succeeded', async () => {
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.runId === runs[0] && e.type === 'run.state' && e.state === 'succeeded') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const mine = events.filter((e) => e.runId === runs[0]);
    const states = mine.filter((e) => e.type === 'run.state').map((e) => e.state);
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('succeeded');
    const progress = mine.filter((e) => e.type === 'run.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ clientId, filesDone: Object.keys(files).length });
  });

  it('downloads every file of the snapshot byte for byte', async () => {
    for (const [path, content] of Object.entries(files)) {
      const file = await download(1, `docs/${path}`);
      expect(file.status, path).toBe(200);
      expect(sha256Hex(file.bytes), path).toBe(sha256Hex(content));
    }
  });

  it('keeps the old versions after edits and deletions, with their history', async () => {
    const edited = Buffer.from('quarterly numbers, corrected\n');
    await writeFile(join(shareDir, 'report.txt'), edited);
    await utimes(join(shareDir, 'report.txt'), new Date(), new Date(Date.now() + 5000));
    await unlink(join(shareDir, 'big.bin'));
    const run = await backUp();
    expect(run).toMatchObject({ state: 'succeeded', seq: 2, filesChanged: 1, filesDeleted: 1 });

    expect((await download(2, 'docs/report.txt')).bytes.equals(edited)).toBe(true);
    expect((await download(1, 'docs/report.txt')).bytes.equals(files['report.txt']!)).toBe(true);
    expect((await download(2, 'docs/big.bin')).status).toBe(404);
    expect(sha256Hex((await download(1, 'docs/big.bin')).bytes)).toBe(sha256Hex(files['big.bin']!));

    const history = await api.call('GET', `/clients/${clientId}/history?path=${q('docs/report.txt')}`);
    expect(history.json.versions).toEqual([
      expect.objectContaining({ firstSeq: 1, lastSeq: 2, sha256: sha256Hex(files['report.txt']!), downloadSeq: 1 }),
      expect.objectContaining({ firstSeq: 2, lastSeq: null, sha256: sha256Hex(edited), downloadSeq: 2 }),
    ]);
    const unchanged = await api.call('GET', `/clients/${clientId}/history?path=${q('docs/Ünïcode ☃ name.txt')}`);
    expect(unchanged.json.versions).toEqual([expect.objectContaining({ firstSeq: 1, lastSeq: null, downloadSeq: 2 })]);
    expect((await download(2, 'docs/Ünïcode ☃ name.txt')).bytes.toString()).toBe('snow\n');
  });

  it('shows both runs newest first and charts what they stored', async () => {
    const list = await api.call('GET', `/runs?clientId=${clientId}`);
    expect(list.json.runs.map((r: { id: string }) => r.id)).toEqual([...runs].reverse());
    const stats = await api.call('GET', '/stats/store');
    expect(stats.json.points.map((p: { runId: string }) => p.runId)).toEqual(runs);
    const [first, second] = stats.json.points;
    expect(first.bytesStoredNew).toBeGreaterThanOrEqual(files['big.bin']!.length);
    expect(second.bytesStoredNew).toBeLessThan(1024);
    expect(second.storedCumulative).toBe(first.bytesStoredNew + second.bytesStoredNew);
    const log = await api.call('GET', `/runs/${runs[0]}/log`);
    expect(log.status).toBe(200);
    expect(Array.isArray(log.json.lines)).toBe(true);
  });
});
