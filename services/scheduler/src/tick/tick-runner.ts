import { Logger } from '@nestjs/common';
import type { SchedulerTickService, TickReport } from './scheduler-tick.service.js';

/**
 * Runs the tick every `intervalMs`, never two at once in this process, and finishes the current
 * tick before stopping. A failed tick is logged and the next one tries again.
 */
export class TickRunner {
  private readonly log = new Logger('SchedulerTick');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly tick: SchedulerTickService,
    private readonly intervalMs: number,
    private readonly onReport: (report: TickReport) => void | Promise<void> = () => undefined,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** One tick unless one is already running (then waits for that one). */
  runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const report = await this.tick.tick();
        if (report.ran && (report.enqueued.length || report.blocked.length || report.retried.length || report.diskGuard?.tripped)) {
          this.log.log({
            enqueued: report.enqueued.filter((e) => e.created).map((e) => e.jobId),
            deferred: report.deferred.length,
            blocked: report.blocked.map((b) => `${b.clientId}:${b.reason}`),
            retried: report.retried.map((r) => r.jobId),
            diskGuard: report.diskGuard?.tripped ? report.diskGuard.reasons : undefined,
          });
        }
        await this.onReport(report);
      } catch (err) {
        this.log.error(`tick failed: ${(err as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
