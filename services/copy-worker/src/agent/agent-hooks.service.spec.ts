import { describe, expect, it, vi } from 'vitest';
import type { AgentAdminRepository, BackupAgent, NewLogLine } from '@backtrac/catalog';
import { AgentFault, XmlRpcFaultResponse, type CommandResult } from '@backtrac/xmlrpc';
import type { AgentCallbackRepository } from './agent-callback.repository.js';
import { AgentHooksService, PreCommandFailedError } from './agent-hooks.service.js';

const now = new Date('2026-01-02T10:00:00Z');
const agent: BackupAgent = { id: 'ag1', callbackUrl: 'http://127.0.0.1:1/RPC2', journalEpoch: `${now.getTime() - 3_600_000}.e1`, lastHeartbeatAt: new Date(now.getTime() - 5_000) };
const ok = (extra: Partial<CommandResult> = {}): CommandResult => ({ ok: true, exitCode: 0, timedOut: false, output: 'dumped\n', durationMs: 12, ran: true, journal: { epoch: 'e1', complete: true, flushed: true }, ...extra });
const share = (name: string, preHook = '') => ({ id: `id-${name}`, name, preHook, postHook: '' });

function setup(found: BackupAgent | null = agent) {
  const agents = { findForBackup: vi.fn(async () => found), changedPaths: vi.fn(async () => ['a/b.txt', 'c.txt']) };
  const callbacks = { prepare: vi.fn(async () => ok()), release: vi.fn(async () => ok({ output: 'released' })) };
  const hooks = new AgentHooksService({ secretKey: Buffer.alloc(32), heartbeatSeconds: 30, callTimeoutMs: 1000 }, agents as unknown as AgentAdminRepository, callbacks as unknown as AgentCallbackRepository);
  const lines: NewLogLine[] = [];
  return { hooks, agents, callbacks, lines, log: { add: (l: NewLogLine) => void lines.push(l) } };
}

describe('AgentHooksService', () => {
  it('prepares every share, logs the output, releases them, and plans journal mode', async () => {
    const { hooks, callbacks, agents, lines, log } = setup();
    const session = await hooks.begin('c1');
    await hooks.prepare(session, 'job1', [share('docs', 'docs-dump'), share('mail')], log, now);
    expect(callbacks.prepare).toHaveBeenCalledTimes(2);
    expect(lines[0]!.message).toContain('dumped');
    const plan = await hooks.plan(session, [share('docs', 'docs-dump'), share('mail')], { seq: 3, startedAt: new Date(now.getTime() - 60_000), outcome: 'complete' }, false, now);
    expect(plan.mode).toBe('journal');
    expect(agents.changedPaths).toHaveBeenCalledWith('id-mail', agent.journalEpoch, new Date(now.getTime() - 120_000));
    expect(agents.changedPaths).toHaveBeenCalledTimes(1);
    // docs has a pre hook: what it wrote is not in the journal yet, so docs is walked.
    expect(plan.mode === 'journal' && plan.dirty.mustList(['docs', 'z', 'y'])).toBe(true);
    expect(plan.mode === 'journal' && plan.dirty.mustList(['mail', 'a'])).toBe(true);
    expect(plan.mode === 'journal' && plan.dirty.mustList(['mail', 'z'])).toBe(false);
    expect(plan.reason).toContain('share docs walked in full');
    await hooks.release(session, 'job1', log);
    expect(callbacks.release).toHaveBeenCalledTimes(2);
    expect(lines.at(-1)!.message).toContain('released');
  });

  it('fails the run with the output of a failing pre hook, after releasing what was prepared', async () => {
    const { hooks, callbacks, log } = setup();
    callbacks.prepare.mockResolvedValueOnce(ok({ ok: false, exitCode: 3, output: 'pg_dump: connection to postgres://app:hunter2@db refused' }));
    const session = await hooks.begin('c1');
    const failure = hooks.prepare(session, 'j', [share('docs', 'docs-dump')], log, now);
    await expect(failure).rejects.toThrow(/hook "docs-dump" of share docs failed \(exit code 3\).*connection to postgres:\/\/app:\[redacted\]@db refused/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
    expect(session.prepared).toEqual(['docs']);
  });

  it('writes hook output to the run log redacted and truncated', async () => {
    const { hooks, callbacks, lines, log } = setup();
    const noisy = `${Array.from({ length: 5000 }, (_, i) => `row ${i}`).join('\n')}\nPGPASSWORD=hunter2 done`;
    callbacks.prepare.mockResolvedValueOnce(ok({ output: noisy }));
    await hooks.prepare(await hooks.begin('c1'), 'j', [share('docs', 'docs-dump')], log, now);
    expect(lines[0]!.message).toMatch(/^pre-backup hook "docs-dump" of share docs exited 0 after 12 ms; output:\n\[\d+ earlier characters left out\]\nrow \d+\n/);
    expect(lines[0]!.message).toContain('PGPASSWORD=[redacted] done');
    expect(lines[0]!.message).not.toContain('hunter2');
    expect(lines[0]!.message.length).toBeLessThan(5 * 1024);
  });

  it('fails the run, naming the hook, when the agent does not declare it, and releases nothing', async () => {
    const { hooks, callbacks, log } = setup();
    callbacks.prepare.mockRejectedValueOnce(new XmlRpcFaultResponse(AgentFault.HOOK_UNKNOWN, 'hook "docs-dump" is not declared in this agent\'s configuration', 'HOOK_UNKNOWN'));
    const session = await hooks.begin('c1');
    const failure = hooks.prepare(session, 'j', [share('docs', 'docs-dump')], log, now);
    await expect(failure).rejects.toBeInstanceOf(PreCommandFailedError);
    await expect(failure).rejects.toThrow(/pre-backup hook "docs-dump" of share docs: .*not declared/);
    expect(session.prepared).toEqual([]);
    await hooks.release(session, 'j', log);
    expect(callbacks.release).not.toHaveBeenCalled();
  });

  it('backs up anyway when an unreachable agent has no pre hook to run', async () => {
    const { hooks, callbacks, lines, log } = setup();
    callbacks.prepare.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    const session = await hooks.begin('c1');
    await hooks.prepare(session, 'j', [share('docs')], log, now);
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(lines[0]!.message).toMatch(/ECONNREFUSED.*over SMB/);
    expect(await hooks.plan(session, [share('docs')], { seq: 1, startedAt: now, outcome: 'complete' }, false, now)).toEqual({ mode: 'walk', reason: 'the agent did not answer prepare()' });
  });

  it('refuses to back up when the agent is offline and a share has a pre hook', async () => {
    const { hooks, callbacks, log } = setup({ ...agent, lastHeartbeatAt: new Date(now.getTime() - 600_000) });
    const session = await hooks.begin('c1');
    const failure = hooks.prepare(session, 'j', [share('db', 'db-dump')], log, now);
    await expect(failure).rejects.toBeInstanceOf(PreCommandFailedError);
    await expect(failure).rejects.toThrow(/offline.*share db has a pre-backup hook/);
    expect(callbacks.prepare).not.toHaveBeenCalled();
  });

  it('walks on a journal gap, a partial previous snapshot, a full backup, or no agent', async () => {
    const { hooks, log } = setup();
    const session = await hooks.begin('c1');
    await hooks.prepare(session, 'j', [share('docs')], log, now);
    const prev = { seq: 2, startedAt: new Date(now.getTime() - 7_200_000), outcome: 'complete' as const };
    expect((await hooks.plan(session, [share('docs')], prev, false, now)).reason).toMatch(/gap/);
    expect((await hooks.plan(session, [share('docs')], { ...prev, startedAt: now, outcome: 'partial' }, false, now)).reason).toMatch(/partial/);
    expect((await hooks.plan(session, [share('docs')], prev, true, now)).reason).toMatch(/full/);
    const recent = { ...prev, startedAt: new Date(now.getTime() - 60_000) };
    expect((await hooks.plan(session, [{ ...share('docs'), updatedAt: now }], recent, false, now)).reason).toBe('share docs was edited since the previous snapshot');
    expect((await hooks.plan(session, [{ ...share('docs'), updatedAt: new Date(0) }], recent, false, now)).mode).toBe('journal');
    const none = setup(null);
    expect((await none.hooks.plan(await none.hooks.begin('c1'), [share('docs')], prev, false, now)).mode).toBe('walk');
  });
});
