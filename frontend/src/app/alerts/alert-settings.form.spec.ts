import { AlertSettingsDto } from '../api/models/alert-settings-dto';
import { formValueFrom, parseRecipients, updateBodyFrom } from './alert-settings.form';

const settings: AlertSettingsDto = {
  serverName: 'bt',
  consoleUrl: null,
  timeZone: 'UTC',
  smtp: { host: 'mail.lan', port: 25, secure: false, requireTls: true, username: 'u', passwordSet: true },
  from: 'bt@example.org',
  recipients: ['a@example.org', 'b@example.org'],
  webhooks: [{ url: 'https://h.example/x', secretSet: true, types: [] }],
  notBackedUpDays: 3,
  agentOfflineHours: 24,
  unusualRunShare: 0.3,
  digestHour: null,
  enabledTypes: ['run-failed', 'unusual-run'],
  repeatHours: 24,
  updatedAt: null,
};

describe('alert settings form', () => {
  it('leaves stored secrets alone when nothing is typed, and round-trips the rest', () => {
    const body = updateBodyFrom(formValueFrom(settings));
    expect(body.smtp).toEqual({ host: 'mail.lan', port: 25, secure: false, requireTls: true, username: 'u' });
    expect(body.webhooks).toEqual([{ url: 'https://h.example/x' }]);
    expect(body.recipients).toEqual(['a@example.org', 'b@example.org']);
    expect(body.enabledTypes).toEqual(['run-failed', 'unusual-run']);
    expect(body.unusualRunShare).toBeCloseTo(0.3);
    expect(body.consoleUrl).toBeNull();
  });

  it('sends a typed secret, and null to remove one', () => {
    const value = formValueFrom(settings);
    value.smtpPassword = 'new-pass';
    value.webhooks[0]!.removeSecret = true;
    const body = updateBodyFrom(value);
    expect(body.smtp!.password).toBe('new-pass');
    expect(body.webhooks).toEqual([{ url: 'https://h.example/x', secret: null }]);
  });

  it('splits recipients on commas, semicolons and spaces', () => {
    expect(parseRecipients(' a@x.org, b@y.org;c@z.org  d@w.org ')).toEqual(['a@x.org', 'b@y.org', 'c@z.org', 'd@w.org']);
  });
});
