import { Controller, Get, HttpCode, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Public } from './public.decorator.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@Public()
@Controller()
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  /** Liveness: the process answers. Never depends on Postgres or Redis. */
  @Get('healthz')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: every dependency this service needs answers within a few seconds. Anyone may ask,
   * so the answer is only ready / not ready; what failed, and why, goes to the service's log.
   */
  @Get('readyz')
  async ready(): Promise<{ status: 'ready' }> {
    const results = await Promise.all(
      this.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 3000);
          return null;
        } catch (error) {
          return `${name}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }),
    );
    const failed = results.filter((result): result is string => result !== null);
    if (failed.length > 0) {
      this.logger.warn(`not ready: ${failed.join('; ')}`);
      throw new ServiceUnavailableException({ status: 'not ready' });
    }
    return { status: 'ready' };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
