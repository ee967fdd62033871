import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type LiveEvent, liveEventsChannel, QUEUE_OPTIONS, type QueueModuleOptions, REDIS } from '@backtrac/queue';

/** Publishes progress, log and state events for the api to relay to the console. */
@Injectable()
export class LiveEventsRepository {
  private readonly channel: string;
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.channel = liveEventsChannel(options.prefix);
  }

  publish(event: LiveEvent): void {
    // Live events are best effort: a lost one is replaced by the next; the catalog keeps the truth.
    this.redis.publish(this.channel, JSON.stringify(event)).catch(() => undefined);
  }
}
