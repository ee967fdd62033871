import type { Provider, Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName, queueOfJob } from './jobs.js';
import type { QueueName } from './queue-names.js';

/** A method that carries out one job name: gets the BullMQ job and the worker's lock token. */
export type JobHandler = (job: Job, token: string | undefined) => Promise<unknown>;

const declared = new WeakMap<object, { name: JobName; method: string | symbol }[]>();

/** Marks a processor method as the handler of `name`. */
export function OnJob(name: JobName): MethodDecorator {
  return (target, method) => {
    declared.set(target, [...(declared.get(target) ?? []), { name, method }]);
  };
}

/** The @OnJob methods of a processor (its class and the classes it extends), bound to it. */
export function jobHandlersOf(processor: object): { name: JobName; method: string; handler: JobHandler }[] {
  const out: { name: JobName; method: string; handler: JobHandler }[] = [];
  for (let proto = Object.getPrototypeOf(processor) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const { name, method } of declared.get(proto) ?? []) {
      const fn = (processor as Record<string | symbol, unknown>)[method] as JobHandler;
      out.push({ name, method: `${processor.constructor.name}.${String(method)}`, handler: fn.bind(processor) });
    }
  }
  return out;
}

/** What a worker service consumes: a queue and the processor whose @OnJob methods serve it. */
export interface ServedQueue {
  queue: QueueName;
  processor: Type<object>;
}

export class JobHandlerError extends Error {
  override name = 'JobHandlerError';
}

/**
 * Throws unless every job name of every served queue has exactly one handler, and every handler
 * sits on the processor of its job's queue, so a declared job nobody consumes cannot ship.
 */
export function assertEveryJobHandled(service: string, served: readonly { queue: QueueName; processor: object }[]): void {
  const problems: string[] = [];
  const handlers = new Map<JobName, string[]>();
  for (const { queue, processor } of served) {
    for (const { name, method } of jobHandlersOf(processor)) {
      handlers.set(name, [...(handlers.get(name) ?? []), method]);
      if (queueOfJob[name] !== queue) problems.push(`${method} handles job "${name}", which lives on queue "${queueOfJob[name]}", not "${queue}"`);
    }
  }
  const queues = new Set(served.map((s) => s.queue));
  for (const name of Object.values(JobName)) {
    const methods = handlers.get(name) ?? [];
    if (queues.has(queueOfJob[name]) && methods.length === 0) problems.push(`job "${name}" of queue "${queueOfJob[name]}" has no handler`);
    if (methods.length > 1) problems.push(`job "${name}" has ${methods.length} handlers (${methods.join(', ')})`);
  }
  if (problems.length > 0) throw new JobHandlerError(`${service} cannot start: ${problems.join('; ')}`);
}

export const JOB_HANDLERS_CHECKED = Symbol('JOB_HANDLERS_CHECKED');

/**
 * The processors of the served queues, plus a provider that runs assertEveryJobHandled while the
 * module is created, so the service stops before any worker takes a job.
 */
export function servedQueueProviders(service: string, served: readonly ServedQueue[]): Provider[] {
  return [
    ...served.map((s) => s.processor),
    {
      provide: JOB_HANDLERS_CHECKED,
      inject: served.map((s) => s.processor),
      useFactory: (...processors: object[]) => {
        assertEveryJobHandled(service, served.map((s, i) => ({ queue: s.queue, processor: processors[i]! })));
        return true;
      },
    },
  ];
}
