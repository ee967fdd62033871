import { ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { Argon2Gate } from './argon2-gate.js';

describe('Argon2Gate', () => {
  it('runs at most `concurrency` at once, queues up to `queue`, refuses the rest', async () => {
    const gate = new Argon2Gate(2, 3);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const work = () =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      });
    const accepted = Array.from({ length: 5 }, work);
    await expect(work()).rejects.toBeInstanceOf(ServiceUnavailableException);
    while (releases.length > 0 || running > 0) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(accepted);
    expect(peak).toBe(2);
  });
});
