import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { HealthController } from './health.controller.js';

describe('HealthController readiness', () => {
  it('tells callers only ready', async () => {
    const health = new HealthController([{ name: 'postgres', check: async () => undefined }]);
    expect(await health.ready()).toEqual({ status: 'ready' });
  });

  it('tells callers only "not ready", and logs what failed', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const health = new HealthController([
      { name: 'postgres', check: async () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')) },
      { name: 'redis', check: async () => undefined },
    ]);
    let answer: unknown;
    try {
      await health.ready();
    } catch (error) {
      answer = error;
    }
    const logged = warn.mock.calls.map((call) => String(call[0]));
    warn.mockRestore();
    expect(answer).toBeInstanceOf(ServiceUnavailableException);
    expect((answer as ServiceUnavailableException).getResponse()).toEqual({ status: 'not ready' });
    expect(JSON.stringify((answer as ServiceUnavailableException).getResponse())).not.toContain('10.1.2.3');
    expect(logged).toEqual(['not ready: postgres: connect ECONNREFUSED 10.1.2.3:5432']);
  });
});
