import { AgentRepository } from '@backtrac/catalog';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';

const FLUSH_MS = 1_000;

/**
 * Routine heartbeats of agents already online are written in one batched UPDATE per second
 * instead of one per call; "online" is judged over three heartbeat intervals, so a second of delay
 * changes nothing visible. Coming online, new addresses and new versions are written at once.
 */
@Injectable()
export class HeartbeatBufferRepository implements OnModuleDestroy {
  private pending = new Map<string, { id: string; at: Date; address: string | null }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly agents: AgentRepository) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  defer(id: string, at: Date, address: string | null): void {
    this.pending.set(id, { id, at, address });
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.agents.recordHeartbeats(batch);
      } catch {
        // Lost heartbeats only delay "online"; the next beat of each agent is recorded again.
      }
    });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
