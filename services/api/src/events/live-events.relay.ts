import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisConnection, type LiveEvent, liveEventsChannel } from '@backtrac/queue';
import { API_CONFIG, type ApiConfig } from '../common/api-config.js';

export interface LiveEventListener {
  event(event: LiveEvent): void;
  /** The api is shutting down: end the stream so the server can close. */
  close(): void;
}

/**
 * One Redis subscriber per api process (a subscribed connection can do nothing else), fanned out
 * in memory to every open event stream.
 */
@Injectable()
export class LiveEventsRelay implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('LiveEvents');
  private readonly listeners = new Set<LiveEventListener>();
  private subscriber: Redis | undefined;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  onModuleInit(): void {
    const channel = liveEventsChannel(this.config.REDIS_PREFIX);
    this.subscriber = createRedisConnection(this.config.REDIS_URL);
    this.subscriber.on('message', (from: string, message: string) => {
      if (from === channel) this.dispatch(message);
    });
    this.subscriber.on('error', (error: Error) => this.logger.warn(`live events subscriber: ${error.message}`));
    // Not awaited: ioredis queues the command until Redis answers (readiness reports Redis), and
    // re-subscribes by itself after a reconnect.
    this.subscriber.subscribe(channel).catch((error: Error) => this.logger.error(`cannot subscribe to ${channel}: ${error.message}`));
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Open streams would keep the HTTP server from closing, so they end before it does. */
  beforeApplicationShutdown(): void {
    for (const listener of this.listeners) listener.close();
    this.listeners.clear();
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  private dispatch(message: string): void {
    let event: LiveEvent;
    try {
      event = JSON.parse(message) as LiveEvent;
    } catch {
      this.logger.warn('dropped a live event that is not JSON');
      return;
    }
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') return;
    if (typeof (event as { runId?: unknown }).runId !== 'string' && typeof (event as { restoreId?: unknown }).restoreId !== 'string') return;
    for (const listener of this.listeners) listener.event(event);
  }
}
