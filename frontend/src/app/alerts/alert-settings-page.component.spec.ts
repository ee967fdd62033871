import { TestBed } from '@angular/core/testing';
import { Api } from '../api/api';
import { alertSettingsGet } from '../api/fn/alerts/alert-settings-get';
import { alertSettingsTest } from '../api/fn/alerts/alert-settings-test';
import { alertSettingsUpdate } from '../api/fn/alerts/alert-settings-update';
import { AlertSettingsDto } from '../api/models/alert-settings-dto';
import { AlertSettingsPageComponent } from './alert-settings-page.component';
import { AlertSettingsState } from './alert-settings.state';

const stored: AlertSettingsDto = {
  serverName: 'bt',
  consoleUrl: null,
  timeZone: 'UTC',
  smtp: { host: 'mail.lan', port: 25, secure: false, requireTls: false, username: 'u', passwordSet: true },
  from: 'bt@example.org',
  recipients: ['a@example.org'],
  webhooks: [{ url: 'https://h.example/x', secretSet: true, types: [] }],
  notBackedUpDays: 3,
  agentOfflineHours: 24,
  unusualRunShare: 0.3,
  digestHour: null,
  enabledTypes: ['run-failed'],
  repeatHours: 24,
  updatedAt: null,
};

describe('AlertSettingsPageComponent', () => {
  async function render() {
    const invoke = vi.fn(async (fn: unknown, params?: { body: unknown }) => {
      if (fn === alertSettingsGet) return stored;
      if (fn === alertSettingsUpdate) return { ...stored, ...(params!.body as object), smtp: stored.smtp, webhooks: stored.webhooks };
      if (fn === alertSettingsTest) return { ok: false, results: [{ channel: 'webhook', target: 'https://h.example/x', ok: false, error: 'answered 500' }] };
      throw new Error('unexpected call');
    });
    TestBed.configureTestingModule({ imports: [AlertSettingsPageComponent], providers: [AlertSettingsState, { provide: Api, useValue: { invoke } }] });
    const fixture = TestBed.createComponent(AlertSettingsPageComponent);
    fixture.detectChanges();
    const state = TestBed.inject(AlertSettingsState);
    await vi.waitFor(() => expect(state.settings()).not.toBeNull());
    await vi.waitFor(() => expect(state.busy()).toBe(false));
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement, invoke };
  }

  it('shows stored secrets only as "set", and saves a new SMTP password without touching the webhook secret', async () => {
    const { fixture, el, invoke } = await render();
    expect(el.querySelector<HTMLInputElement>('input[name="smtpHost"]')!.value).toBe('mail.lan');
    expect(el.querySelector<HTMLInputElement>('input[name="smtpPassword"]')!.value).toBe('');
    expect(el.textContent).toContain('A password is stored');
    const password = el.querySelector<HTMLInputElement>('input[name="smtpPassword"]')!;
    password.value = 'new-secret';
    password.dispatchEvent(new Event('input'));
    el.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    const call = invoke.mock.calls.find(([fn]) => fn === alertSettingsUpdate)!;
    const body = (call[1] as { body: { smtp: { password?: string }; webhooks: object[] } }).body;
    expect(body.smtp.password).toBe('new-secret');
    expect(body.webhooks).toEqual([{ url: 'https://h.example/x' }]);
  });

  it('reports each channel of a test alert', async () => {
    const { fixture, el, invoke } = await render();
    const button = [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Send test alert'))!;
    expect(button.disabled).toBe(false);
    button.click();
    await vi.waitFor(() => expect(invoke.mock.calls.some(([fn]) => fn === alertSettingsTest)).toBe(true));
    await vi.waitFor(() => expect(TestBed.inject(AlertSettingsState).testResults()).not.toBeNull());
    fixture.detectChanges();
    expect(el.querySelector('.bt-test-results')!.textContent).toContain('https://h.example/x: answered 500');
  });
});
