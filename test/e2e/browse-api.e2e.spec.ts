import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { backupJobId } from '@backtrac/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../harness/services.js';
import { ApiClient, SeededStore, big, seedBrowseClient, bytesOf, escapedName, longName, manyCount, sha256Hex, t0, unicodeName, v1, v2 } from './browse.seed.js';

describe('browse api: runs, snapshots, entries, history, download, events (real api, Postgres, Redis, store)', () => {
  let stack: Stack;
  let api: ApiClient;
  let seeded: SeededStore;
  let clientId: string;
  let bareClientId: string;
  let seedRuns: string[];
  const q = (value: string) => encodeURIComponent(value);

  beforeAll(async () => {
    // The api reads STORE_ROOT at start, so the store directory exists before the stack does.
    const storeRoot = await SeededStore.tempRoot();
    // The seeded shares are file:///srv/...: a directory an admin must list.
    stack = await startStack({ services: ['api'], env: { STORE_ROOT: storeRoot, FILE_SHARE_ROOTS: '/srv' } });
    api = new ApiClient(stack.apiUrl);
    expect((await api.call('POST', '/auth/login', { email: stack.adminEmail, password: stack.adminPassword })).status).toBe(200);
    seeded = await SeededStore.create(stack.env.DATABASE_URL!, storeRoot);
    ({ clientId, runIds: seedRuns } = await seedBrowseClient(api, seeded));
    bareClientId = (await api.call('POST', '/clients', { name: 'ws-bare', hostname: 'ws-bare.lan' })).json.id;
  });

  afterAll(async () => {
    await seeded?.cleanup();
    await stack?.stop();
  });

  it('needs a session for every new endpoint', async () => {
    const anonymous = new ApiClient(stack.apiUrl);
    for (const path of ['/runs', `/runs/${seedRuns[0]}`, `/clients/${clientId}/snapshots`, `/clients/${clientId}/snapshots/1/entries`, `/clients/${clientId}/history?path=docs/a.txt`, `/clients/${clientId}/snapshots/1/download?path=docs/a.txt`, '/events', '/stats/store']) {
      expect((await anonymous.call('GET', path)).status, path).toBe(401);
    }
    expect((await anonymous.call('POST', `/clients/${clientId}/backups`, {})).status).toBe(401);
  });

  it('lists snapshots newest first and pins one', async () => {
    const list = await api.call('GET', `/clients/${clientId}/snapshots`);
    expect(list.status).toBe(200);
    expect(list.json.map((s: { seq: number }) => s.seq)).toEqual([2, 1]);
    expect(list.json[1]).toMatchObject({ seq: 1, kind: 'full', partial: false, pinned: false, fileCount: 8 + manyCount, runId: seedRuns[0] });
    expect(list.json[1].totalBytes).toBeGreaterThan(big.length);
    const pinned = await api.call('PATCH', `/clients/${clientId}/snapshots/1`, { pinned: true });
    expect(pinned.status).toBe(200);
    expect(pinned.json).toMatchObject({ seq: 1, pinned: true });
    expect((await api.call('GET', `/clients/${clientId}/snapshots`)).json[1].pinned).toBe(true);
    const [audit] = (await seeded.catalog.query(`SELECT actor, action, details FROM audit_log WHERE action LIKE 'snapshot.%'`)) as { actor: string; action: string; details: unknown }[];
    expect(audit).toMatchObject({ action: 'snapshot.pinned', details: { seq: 1 } });
    expect(audit!.actor).toMatch(/^user:/);

    const badBody = await api.call('PATCH', `/clients/${clientId}/snapshots/1`, { pinned: 'yes' });
    expect(badBody.status).toBe(400);
    expect(badBody.json.message).toContain('pinned must be a boolean value');
    expect((await api.call('PATCH', `/clients/${clientId}/snapshots/7`, { pinned: true })).status).toBe(404);
    for (const seq of ['abc', '-1', '1.5', '99999999999']) {
      const bad = await api.call('GET', `/clients/${clientId}/snapshots/${seq}/entries`);
      expect(bad.status, seq).toBe(400);
      expect(bad.json.message).toContain('seq must be an integer');
    }
    expect((await api.call('GET', `/clients/00000000-0000-4000-8000-000000000000/snapshots`)).status).toBe(404);
    expect((await api.call('GET', `/clients/not-a-uuid/snapshots`)).status).toBe(400);
  });

  it('lists a directory of a snapshot: directories first, then by name', async () => {
    const root = await api.call('GET', `/clients/${clientId}/snapshots/1/entries`);
    expect(root.status).toBe(200);
    expect(root.json).toMatchObject({ path: '', total: 2 });
    expect(root.json.entries.map((e: { name: string }) => e.name)).toEqual(['docs', 'photos']);

    const docs = await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs`);
    expect(docs.json.total).toBe(9);
    const names = docs.json.entries.map((e: { name: string }) => e.name);
    expect(names.slice(0, 2)).toEqual(['many', 'sub']);
    expect(new Set(names)).toEqual(new Set(['many', 'sub', '..dots', 'a.txt', 'empty.txt', 'link', unicodeName, escapedName, longName]));
    const byName = Object.fromEntries(docs.json.entries.map((e: { name: string }) => [e.name, e]));
    expect(byName['a.txt']).toMatchObject({ type: 'file', size: v1.length, sha256: sha256Hex(v1), linkTarget: null, mtime: new Date(t0 + 1000).toISOString() });
    expect(byName.link).toMatchObject({ type: 'symlink', linkTarget: '../../../etc/passwd', sha256: null });
    expect(byName.sub).toMatchObject({ type: 'dir' });

    const two = await api.call('GET', `/clients/${clientId}/snapshots/2/entries?path=docs`);
    expect(two.json.total).toBe(10);
    const a2 = two.json.entries.find((e: { name: string }) => e.name === 'a.txt');
    expect(a2).toMatchObject({ size: v2.length, sha256: sha256Hex(v2) });
    expect((await api.call('GET', `/clients/${clientId}/snapshots/2/entries?path=docs/sub`)).json).toMatchObject({ total: 0, entries: [] });
    expect((await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/sub`)).json.entries[0]).toMatchObject({ name: 'b.bin', size: big.length });
  });

  it('pages and sorts in SQL without gaps or repeats', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < manyCount; offset += 25) {
      const page = await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/many&limit=25&offset=${offset}`);
      expect(page.status).toBe(200);
      expect(page.json.total).toBe(manyCount);
      expect(page.json.entries.length).toBe(Math.min(25, manyCount - offset));
      seen.push(...page.json.entries.map((e: { name: string }) => e.name));
    }
    expect(seen).toEqual(Array.from({ length: manyCount }, (_, i) => `f${String(i).padStart(3, '0')}`));
    expect((await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/many&offset=500`)).json).toMatchObject({ total: manyCount, entries: [] });

    const bySizeDesc = (await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/many&sort=size&order=desc&limit=1000`)).json.entries;
    const sizes = bySizeDesc.map((e: { size: number }) => e.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes[0]).toBe(manyCount);
    const byMtime = (await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/many&sort=mtime&limit=1000`)).json.entries;
    const times = byMtime.map((e: { mtime: string }) => Date.parse(e.mtime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeLessThan(times[times.length - 1]);
    const descNames = (await api.call('GET', `/clients/${clientId}/snapshots/1/entries?path=docs/many&order=desc&limit=3`)).json.entries.map((e: { name: string }) => e.name);
    expect(descNames).toEqual(['f119', 'f118', 'f117']);
  });

  it('refuses bad listing parameters and hostile paths with a 400 and a message', async () => {
    const base = `/clients/${clientId}/snapshots/1/entries`;
    const cases: [string, string][] = [
      ['?sort=owner', 'sort must be one of'],
      ['?order=up', 'order must be asc or desc'],
      ['?limit=0', 'limit must not be less than 1'],
      ['?limit=5000', 'limit must not be greater than 1000'],
      ['?offset=-1', 'offset must not be less than 0'],
      ['?limit=ten', 'limit must be an integer'],
      ['?colour=red', 'property colour should not exist'],
      [`?path=${q('../../etc')}`, 'must not contain "." or ".." components'],
      [`?path=${q('docs/../..')}`, 'must not contain "." or ".." components'],
      [`?path=${q('/etc')}`, 'no leading "/"'],
      [`?path=${q('docs//sub')}`, 'empty components'],
      [`?path=docs%00`, 'NUL'],
      ['?path=docs&path=photos', 'path must be'],
      [`?path=${q('docs/a.txt')}`, 'not a directory'],
    ];
    for (const [query, message] of cases) {
      const response = await api.call('GET', `${base}${query}`);
      expect(response.status, query).toBe(400);
      expect([response.json.message].flat().join('; '), query).toContain(message);
    }
    const missing = await api.call('GET', `${base}?path=nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('No directory nothing/here in snapshot 1');
    expect((await api.call('GET', `/clients/${clientId}/snapshots/3/entries`)).status).toBe(404);
  });

  it('shows every version of a file across snapshots with their times', async () => {
    const history = await api.call('GET', `/clients/${clientId}/history?path=docs/a.txt`);
    expect(history.status).toBe(200);
    expect(history.json.path).toBe('docs/a.txt');
    expect(history.json.versions).toEqual([
      expect.objectContaining({ firstSeq: 1, lastSeq: 2, size: v1.length, sha256: sha256Hex(v1), type: 'file', firstSeenAt: new Date(t0 + 3_600_000).toISOString(), goneAt: new Date(t0 + 90_000_000).toISOString(), downloadSeq: 1 }),
      expect.objectContaining({ firstSeq: 2, lastSeq: null, size: v2.length, sha256: sha256Hex(v2), firstSeenAt: new Date(t0 + 90_000_000).toISOString(), goneAt: null, downloadSeq: 2 }),
    ]);
    expect(history.json.snapshots.map((s: { seq: number }) => s.seq)).toEqual([1, 2]);
    const removed = await api.call('GET', `/clients/${clientId}/history?path=docs/sub/b.bin`);
    expect(removed.json.versions).toEqual([expect.objectContaining({ firstSeq: 1, lastSeq: 2, downloadSeq: 1 })]);
    expect((await api.call('GET', `/clients/${clientId}/history?path=${q(`docs/${unicodeName}`)}`)).json.versions).toHaveLength(1);

    expect((await api.call('GET', `/clients/${clientId}/history?path=docs/never.txt`)).status).toBe(404);
    for (const bad of ['', '..%2Fx', '%2Fetc%2Fpasswd', 'a%00b']) {
      expect((await api.call('GET', `/clients/${clientId}/history?path=${bad}`)).status, bad).toBe(400);
    }
    expect((await api.call('GET', `/clients/${clientId}/history`)).status).toBe(400);
  });

  it('downloads each file version byte for byte, with its exact name', async () => {
    const expectDownload = async (seq: number, path: string, content: Buffer) => {
      const response = await api.raw(`/clients/${clientId}/snapshots/${seq}/download?path=${q(path)}`);
      expect(response.status, path).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(sha256Hex(body), path).toBe(sha256Hex(content));
      expect(response.headers.get('content-length')).toBe(String(content.length));
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      const disposition = response.headers.get('content-disposition')!;
      expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!), path).toBe(path.split('/').pop());
      return response;
    };
    await expectDownload(1, 'docs/a.txt', v1);
    await expectDownload(2, 'docs/a.txt', v2);
    const bigResponse = await expectDownload(1, 'docs/sub/b.bin', big);
    expect(bigResponse.headers.get('x-content-sha256')).toBe(sha256Hex(big));
    await expectDownload(1, 'docs/empty.txt', Buffer.alloc(0));
    await expectDownload(1, `docs/${unicodeName}`, Buffer.from('unicode\n'));
    await expectDownload(1, `docs/${escapedName}`, Buffer.from('escaped on disk\n'));
    await expectDownload(2, `docs/${longName}`, Buffer.from('long name\n'));
    await expectDownload(2, 'docs/..dots', Buffer.from('dots are data\n'));
    await expectDownload(2, 'photos/p.jpg', bytesOf(5000, 'p.jpg'));
  });

  it('refuses hostile and wrong download paths and never leaves the snapshot', async () => {
    const base = `/clients/${clientId}/snapshots/1/download`;
    for (const path of ['../../../etc/passwd', '/etc/passwd', 'docs/../../../../etc/passwd', 'docs/a.txt%00', '..', 'docs/./a.txt']) {
      const response = await api.call('GET', `${base}?path=${path.includes('%') ? path : q(path)}`);
      expect(response.status, path).toBe(400);
      expect(response.text).not.toContain('root:');
    }
    const link = await api.call('GET', `${base}?path=docs/link`);
    expect(link.status).toBe(400);
    expect(link.json.message).toContain('symbolic link');
    expect((await api.call('GET', `${base}?path=docs`)).json.message).toContain('is a directory');
    expect((await api.call('GET', `${base}?path=docs/new.txt`)).status).toBe(404);
    expect((await api.call('GET', `${base}`)).status).toBe(400);

    // A catalog row that claims a file where the snapshot holds a link out of it: not served.
    await symlink('/etc/passwd', join(seeded.snapshotDir(clientId, 2), 'docs', 'trap'));
    await seeded.catalog.query(
      `INSERT INTO file_versions (client_id, parent, name, type, size, mtime, first_seq) VALUES ($1, 'docs', 'trap', 'file', 10, now(), 2)`,
      [clientId],
    );
    const trap = await api.call('GET', `/clients/${clientId}/snapshots/2/download?path=docs/trap`);
    expect(trap.status).toBe(404);
    expect(trap.text).not.toContain('root:');
  });

  it('starts a backup now: one queued run and one BullMQ job, refused while it is in flight', async () => {
    const started = await api.call('POST', `/clients/${clientId}/backups`, { full: true });
    expect(started.status).toBe(202);
    expect(started.json.jobId.startsWith(`backup:${clientId}:`)).toBe(true);
    const run = await api.call('GET', `/runs/${started.json.runId}`);
    expect(run.json).toMatchObject({ id: started.json.runId, clientId, clientName: 'ws-browse', state: 'queued', trigger: 'manual', kind: 'full', jobId: started.json.jobId, seq: null });

    const connection = new Redis(stack.env.REDIS_URL!, { maxRetriesPerRequest: null });
    const queue = new Queue('backup', { connection, prefix: stack.env.REDIS_PREFIX });
    try {
      const job = await queue.getJob(started.json.jobId);
      expect(job?.name).toBe('backup');
      expect(job?.data).toEqual({ clientId, runId: started.json.runId, trigger: 'manual', slot: job!.data.slot, full: true });
      expect(started.json.jobId).toBe(backupJobId(clientId, job!.data.slot));
      expect(Math.abs(Date.parse(job!.data.slot) - Date.now())).toBeLessThan(60_000);
    } finally {
      await queue.close();
      connection.disconnect();
    }

    const again = await api.call('POST', `/clients/${clientId}/backups`, {});
    expect(again.status).toBe(409);
    expect(again.json.message).toContain(`already has a backup queued (run ${started.json.runId})`);
    const racing = await Promise.all([1, 2, 3].map(() => api.call('POST', `/clients/${clientId}/backups`, {})));
    expect(racing.map((r) => r.status)).toEqual([409, 409, 409]);

    const bare = await api.call('POST', `/clients/${bareClientId}/backups`, {});
    expect(bare.status).toBe(400);
    expect(bare.json.message).toContain('has no share');
    expect((await api.call('POST', `/clients/00000000-0000-4000-8000-000000000000/backups`, {})).status).toBe(404);
    const badBody = await api.call('POST', `/clients/${clientId}/backups`, { full: 'yes' });
    expect(badBody.status).toBe(400);
    expect(badBody.json.message).toContain('full must be a boolean value');
  });

  it('lists runs newest first with filters and a keyset cursor, and reads a run log in pages', async () => {
    const all = await api.call('GET', '/runs');
    expect(all.status).toBe(200);
    expect(all.json.runs).toHaveLength(3);
    expect(all.json.runs[0]).toMatchObject({ state: 'queued', trigger: 'manual' });
    expect(all.json.runs.slice(1).map((r: { id: string }) => r.id)).toEqual([seedRuns[1], seedRuns[0]]);
    expect(all.json.nextBefore).toBeNull();

    const first = await api.call('GET', '/runs?limit=2');
    expect(first.json.runs).toHaveLength(2);
    expect(first.json.nextBefore).toBe(first.json.runs[1].id);
    const second = await api.call('GET', `/runs?limit=2&before=${first.json.nextBefore}`);
    expect(second.json.runs.map((r: { id: string }) => r.id)).toEqual([seedRuns[0]]);
    expect(second.json.nextBefore).toBeNull();

    expect((await api.call('GET', `/runs?state=succeeded&clientId=${clientId}`)).json.runs.map((r: { id: string }) => r.id)).toEqual([seedRuns[1], seedRuns[0]]);
    expect((await api.call('GET', `/runs?clientId=${bareClientId}`)).json.runs).toEqual([]);
    const succeeded = (await api.call('GET', `/runs/${seedRuns[1]}`)).json;
    expect(succeeded).toMatchObject({ seq: 2, state: 'succeeded', bytesStoredNew: v2.length + 11 });
    expect(typeof succeeded.bytesTotal).toBe('number');

    for (const query of ['?state=exploded', '?limit=0', '?limit=501', '?clientId=nope', '?before=nope']) {
      expect((await api.call('GET', `/runs${query}`)).status, query).toBe(400);
    }
    expect((await api.call('GET', '/runs?before=00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('GET', '/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('GET', '/runs/not-a-uuid')).status).toBe(400);

    await seeded.catalog.query(
      `INSERT INTO run_log_lines (run_id, level, message, path) SELECT $1, CASE WHEN i % 5 = 0 THEN 'warn' ELSE 'info' END, 'line ' || i, CASE WHEN i % 5 = 0 THEN 'docs/f' || i ELSE NULL END FROM generate_series(1, 12) AS i`,
      [seedRuns[1]],
    );
    const page1 = await api.call('GET', `/runs/${seedRuns[1]}/log?limit=5`);
    expect(page1.json.lines.map((l: { message: string }) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(page1.json.lines[4]).toMatchObject({ level: 'warn', path: 'docs/f5' });
    const rest = await api.call('GET', `/runs/${seedRuns[1]}/log?afterId=${page1.json.lastId}&limit=100`);
    expect(rest.json.lines.map((l: { message: string }) => l.message)).toEqual(Array.from({ length: 7 }, (_, i) => `line ${i + 6}`));
    expect((await api.call('GET', `/runs/${seedRuns[1]}/log?afterId=${rest.json.lastId}`)).json).toEqual({ lines: [], lastId: null });
    expect((await api.call('GET', `/runs/${seedRuns[1]}/log?afterId=-1`)).status).toBe(400);
    expect((await api.call('GET', `/runs/00000000-0000-4000-8000-000000000000/log`)).status).toBe(404);
  });

  it('serves store growth and dedup per finished run', async () => {
    const stats = await api.call('GET', '/stats/store');
    expect(stats.status).toBe(200);
    expect(stats.json.points.map((p: { runId: string }) => p.runId)).toEqual(seedRuns);
    const [one, two] = stats.json.points;
    expect(two.bytesStoredNew).toBe(v2.length + 11);
    expect(two.storedCumulative).toBe(one.bytesStoredNew + two.bytesStoredNew);
    expect(two.dedupRatio).toBeCloseTo(two.bytesTotal / two.bytesStoredNew);
    expect(stats.json.logicalBytes).toBe(one.bytesTotal + two.bytesTotal);
    expect((await api.call('GET', '/stats/store?limit=1')).json.points.map((p: { runId: string }) => p.runId)).toEqual([seedRuns[1]]);
    expect((await api.call('GET', '/stats/store?limit=abc')).status).toBe(400);
  });

  it('relays live events from Redis over server-sent events, filtered by run', async () => {
    const controller = new AbortController();
    const response = await api.raw(`/events?runId=${seedRuns[1]}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 10_000;
      while (!buffer.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in ${buffer}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${buffer}`);
        buffer += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(': connected');
    const publisher = new Redis(stack.env.REDIS_URL!);
    try {
      const other = { type: 'run.progress', runId: seedRuns[0], clientId, filesDone: 1, filesTotal: 2, bytesDone: 1, bytesTotal: 2, currentPath: 'other', bytesPerSecond: 1, etaSeconds: 1 };
      const mine = { ...other, runId: seedRuns[1], filesDone: 41, currentPath: 'docs/many/f041', bytesPerSecond: 1_000_000, etaSeconds: 12 };
      await publisher.publish(`${stack.env.REDIS_PREFIX}:events`, JSON.stringify(other));
      await publisher.publish(`${stack.env.REDIS_PREFIX}:events`, 'not json');
      await publisher.publish(`${stack.env.REDIS_PREFIX}:events`, JSON.stringify(mine));
      await readUntil('docs/many/f041');
      const events = buffer.split('\n\n').filter((block) => block.startsWith('event: '));
      expect(events).toHaveLength(1);
      const [eventLine, dataLine] = events[0]!.split('\n');
      expect(eventLine).toBe('event: run.progress');
      expect(JSON.parse(dataLine!.slice('data: '.length))).toEqual(mine);
    } finally {
      publisher.disconnect();
      controller.abort();
    }
    expect((await api.call('GET', '/events?runId=nope')).status).toBe(400);
  });

  it('ends open event streams when the api shuts down, so it stops promptly', async () => {
    const response = await api.raw('/events');
    const reader = response.body!.getReader();
    await reader.read();
    const api0 = stack.services.find((service) => service.name === 'api')!;
    const started = Date.now();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return Date.now() - started;
    })();
    await api0.stop('SIGTERM');
    // Ended by its own shutdown (Nest re-raises SIGTERM), not by the harness' SIGKILL after 15 s.
    expect(api0.process.signalCode ?? api0.process.exitCode).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await ended).toBeLessThan(10_000);
  });
});
