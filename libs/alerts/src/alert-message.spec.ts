import { describe, expect, it } from 'vitest';
import { type AlertContext, composeAlert, formatBytes } from './alert-message.js';
import type { AlertEvent } from './alert.types.js';

const ctx: AlertContext = { serverName: 'hq', consoleUrl: 'https://backup.example/', timeZone: 'Europe/Berlin' };
const at = new Date('2026-01-15T08:00:00Z');

describe('alert composition', () => {
  it('run failed: subject, text, link, payload', () => {
    const m = composeAlert(
      { type: 'run-failed', at, clientId: 'c1', clientName: 'ws-01', runId: 'r1', jobId: 'backup:c1:20260115T010000Z', error: 'share unreachable', attempts: 3 },
      ctx,
    );
    expect(m.subject).toBe('[BackTrac hq] Backup of ws-01 failed');
    expect(m.severity).toBe('warning');
    expect(m.text).toBe(
      'The backup of ws-01 failed after 3 attempt(s).\nError: share unreachable\nJob: backup:c1:20260115T010000Z\n\nTime: 2026-01-15 09:00 GMT+1\nDetails: https://backup.example/runs/r1\n',
    );
    expect(m.dedupeKey).toBe('run-failed:r1');
    expect(m.payload).toEqual({
      version: 1,
      type: 'run-failed',
      severity: 'warning',
      server: 'hq',
      at: '2026-01-15T08:00:00.000Z',
      subject: m.subject,
      text: m.text,
      link: 'https://backup.example/runs/r1',
      data: { type: 'run-failed', at: '2026-01-15T08:00:00.000Z', clientId: 'c1', clientName: 'ws-01', runId: 'r1', jobId: 'backup:c1:20260115T010000Z', error: 'share unreachable', attempts: 3 },
    });
  });

  it('not backed up: critical, says since when, or never', () => {
    const m = composeAlert({ type: 'not-backed-up', at, clientId: 'c1', clientName: 'ws-01', lastGoodAt: new Date('2026-01-10T01:00:00Z'), thresholdDays: 3 }, ctx);
    expect(m.subject).toBe('[BackTrac hq] CRITICAL: ws-01 not backed up for 3+ days');
    expect(m.text).toContain('no successful backup since 2026-01-10 02:00 GMT+1 (5 days ago)');
    const never = composeAlert({ type: 'not-backed-up', at, clientId: 'c1', clientName: 'ws-01', lastGoodAt: null, thresholdDays: 3 }, ctx);
    expect(never.text).toContain('has never been backed up successfully');
  });

  it('agent offline, disk guard, verify, unusual run', () => {
    const offline = composeAlert(
      { type: 'agent-offline', at, agentId: 'a1', hostname: 'ws-01.lan', clientName: 'ws-01', lastHeartbeatAt: new Date('2026-01-15T02:00:00Z'), thresholdHours: 4 },
      ctx,
    );
    expect(offline.subject).toBe('[BackTrac hq] Agent ws-01.lan offline for 4+ hours');
    expect(offline.text).toContain('(client ws-01) last reported 2026-01-15 03:00 GMT+1 (6 hours ago)');

    const disk = composeAlert(
      { type: 'disk-guard', at, storePath: '/srv/store', usagePercent: 96.2, freeBytes: 3 * 1024 ** 3, freeInodes: 120, reasons: ['usage 96.2 % >= 95 %'] },
      ctx,
    );
    expect(disk.subject).toBe('[BackTrac hq] CRITICAL: Store almost full: new backups are waiting');
    expect(disk.text).toContain('The store at /srv/store is 96.2 % full, 3.0 GiB free, 120 free inodes.');
    expect(disk.dedupeKey).toBe('disk-guard:/srv/store');

    const verify = composeAlert(
      {
        type: 'verify-corruption',
        at,
        checkedFiles: 1000,
        damaged: [{ poolPath: 'pool/ab/cd/abcd', expectedSha256: 'abcd', actualSha256: 'ffff', snapshots: ['ws-01/7', 'ws-02/3'] }],
      },
      ctx,
    );
    expect(verify.subject).toBe('[BackTrac hq] CRITICAL: Verify found 1 damaged file(s) in the store');
    expect(verify.text).toContain('- pool/ab/cd/abcd (used by ws-01/7, ws-02/3)');

    const unusual = composeAlert(
      { type: 'unusual-run', at, clientId: 'c1', clientName: 'ws-01', runId: 'r9', changedFiles: 900, previousFiles: 1000, changedShare: 0.9, thresholdShare: 0.3 },
      ctx,
    );
    expect(unusual.subject).toBe('[BackTrac hq] CRITICAL: Unusual backup of ws-01: 90.0 % of files changed');
    expect(unusual.text).toContain('changed or deleted 900 of 1000 files (90.0 %, limit 30.0 %)');
  });

  it('daily digest lists clients oldest good backup first', () => {
    const m = composeAlert(
      {
        type: 'daily-digest',
        at,
        day: '2026-01-14',
        runs: { succeeded: 8, partial: 1, failed: 1 },
        bytesStoredNew: 5 * 1024 ** 2,
        store: { usagePercent: 61.5, freeBytes: 2 * 1024 ** 4 },
        alertCounts: { 'run-failed': 1, 'unusual-run': 0 },
        clients: [
          { clientName: 'new', lastGoodAt: new Date('2026-01-14T01:00:00Z'), lastState: 'succeeded' },
          { clientName: 'never', lastGoodAt: null, lastState: 'never' },
          { clientName: 'old', lastGoodAt: new Date('2026-01-10T01:00:00Z'), lastState: 'failed' },
        ],
      },
      ctx,
    );
    expect(m.subject).toBe('[BackTrac hq] Daily digest 2026-01-14: 8/10 backups succeeded, 1 failed');
    expect(m.severity).toBe('info');
    expect(m.text).toContain('Backups: 8 succeeded, 1 with errors, 1 failed; 5.0 MiB new data stored.');
    expect(m.text).toContain('Store: 61.5 % used, 2.0 TiB free.');
    expect(m.text).toContain('Alerts: run-failed 1.');
    const lines = m.text.split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toEqual([
      '- never: last good never, last run never',
      '- old: last good 2026-01-10 02:00 GMT+1, last run failed',
      '- new: last good 2026-01-14 02:00 GMT+1, last run succeeded',
    ]);
  });

  it('escapes client-controlled text in HTML and has no link without a console URL', () => {
    const e: AlertEvent = { type: 'run-failed', at, clientId: 'c1', clientName: '<script>x</script>', runId: 'r1', jobId: 'j', error: 'a & b', attempts: 1 };
    const m = composeAlert(e, { serverName: 'hq', timeZone: 'UTC' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(m.html).toContain('a &amp; b');
    expect(m.payload.link).toBeNull();
    expect(m.text).not.toContain('Details:');
  });

  it('is deterministic and formats bytes', () => {
    const e: AlertEvent = { type: 'test', at, requestedBy: 'admin' };
    expect(composeAlert(e, ctx)).toEqual(composeAlert(e, ctx));
    expect([formatBytes(512), formatBytes(1536), formatBytes(1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '1.0 GiB']);
  });
});
