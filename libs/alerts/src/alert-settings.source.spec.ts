import type { AlertSettingsRecord } from '@backtrac/catalog';
import { describe, expect, it } from 'vitest';
import { alertSettingsFromRecord } from './alert-settings.source.js';

const record = (over: Partial<AlertSettingsRecord> = {}): AlertSettingsRecord => ({
  id: 1, serverName: 'bt', consoleUrl: null, timeZone: 'Europe/Berlin', smtpHost: 'mail.lan', smtpPort: 25, smtpSecure: false, smtpRequireTls: true,
  smtpUsername: 'u', smtpPasswordSealed: 'sealed:pw', mailFrom: 'bt@lan.example', recipients: ['a@lan.example'],
  webhooks: [{ url: 'https://h.example/x', secretSealed: 'sealed:s', types: ['run-failed', 'bogus'] }, { url: 'https://h.example/y', secretSealed: null, types: [] }],
  notBackedUpDays: 4, agentOfflineHours: 12, unusualRunShare: 0.6, digestHour: 7, enabledTypes: ['run-failed', 'nonsense'], repeatHours: 6, updatedAt: new Date(0),
  ...over,
});
const open = (sealed: string) => sealed.replace(/^sealed:/, '');

describe('alertSettingsFromRecord', () => {
  it('opens the sealed secrets, drops unknown alert types and carries the thresholds', () => {
    const s = alertSettingsFromRecord(record(), open);
    expect(s.alerts.email).toEqual({ host: 'mail.lan', port: 25, secure: false, requireTls: true, username: 'u', password: 'pw', from: 'bt@lan.example', to: ['a@lan.example'] });
    expect(s.alerts.webhooks).toEqual([
      { url: 'https://h.example/x', secret: 's', types: ['run-failed'] },
      { url: 'https://h.example/y', secret: null, types: [] },
    ]);
    expect(s.alerts.enabledTypes).toEqual(['run-failed']);
    expect(s.alerts).toMatchObject({ serverName: 'bt', timeZone: 'Europe/Berlin', repeatHours: 6 });
    expect(s.alerts).not.toHaveProperty('consoleUrl');
    expect(s).toMatchObject({ notBackedUpDays: 4, agentOfflineHours: 12, digestHour: 7, unusual: { maxChangedShare: 0.6 } });
  });

  it('has no email channel without a host, a sender or recipients', () => {
    expect(alertSettingsFromRecord(record({ smtpHost: null }), open).alerts.email).toBeNull();
    expect(alertSettingsFromRecord(record({ mailFrom: '' }), open).alerts.email).toBeNull();
    expect(alertSettingsFromRecord(record({ recipients: [] }), open).alerts.email).toBeNull();
    expect(alertSettingsFromRecord(record({ smtpPasswordSealed: null }), open).alerts.email?.password).toBeNull();
  });
});
