import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_DISK_GUARD } from '../health/disk-guard.js';
import { AlertDispatchService, InMemoryAlertLedger } from '@backtrac/alerts';
import { AlertMonitorService, type MonitorSettings } from './alert-monitor.service.js';

const now = new Date('2026-01-15T12:00:00Z');
const settings: MonitorSettings = {
  alerts: { serverName: 'hq', timeZone: 'UTC', email: null, webhooks: [{ url: 'http://hook', secret: null }], enabledTypes: ['not-backed-up', 'agent-offline', 'disk-guard'], repeatHours: 24 },
  notBackedUpDays: 2,
  agentOfflineHours: 4,
  diskGuard: DEFAULT_DISK_GUARD,
  storePath: '/srv/store',
};

describe('alert monitor', () => {
  it('turns standing conditions into alerts, throttled across checks', async () => {
    const source = {
      clientStatuses: vi.fn().mockResolvedValue([
        { clientId: 'a', clientName: 'a', enabled: true, createdAt: new Date('2025-01-01'), lastGoodAt: new Date('2026-01-10T00:00:00Z'), notBackedUpDays: null },
        { clientId: 'b', clientName: 'b', enabled: true, createdAt: new Date('2025-01-01'), lastGoodAt: new Date('2026-01-15T00:00:00Z'), notBackedUpDays: null },
      ]),
      agentHeartbeats: vi.fn().mockResolvedValue([{ agentId: 'x', hostname: 'x', clientName: 'a', approved: true, enrolledAt: new Date('2025-01-01'), lastHeartbeatAt: new Date('2026-01-15T01:00:00Z') }]),
    };
    const disk = { statfs: vi.fn().mockResolvedValue({ bsize: 4096, blocks: 1000, bfree: 10, bavail: 10, files: 1e6, ffree: 1e6 }) };
    const hooks = { post: vi.fn().mockResolvedValue({ status: 200, deliveryId: 'd' }) };
    const dispatcher = new AlertDispatchService({ send: vi.fn() }, hooks, new InMemoryAlertLedger());
    const monitor = new AlertMonitorService(source, disk, dispatcher);

    const events = await monitor.conditions(settings, now);
    expect(events.map((e) => e.type)).toEqual(['not-backed-up', 'agent-offline', 'disk-guard']);
    const first = await monitor.check(settings, now);
    expect(first.map((r) => r.sent)).toEqual([true, true, true]);
    expect(hooks.post.mock.calls.map((c) => (c[1] as { type: string }).type)).toEqual(['not-backed-up', 'agent-offline', 'disk-guard']);
    const second = await monitor.check(settings, new Date(now.getTime() + 60_000));
    expect(second.map((r) => r.sent)).toEqual([false, false, false]);
  });
});
