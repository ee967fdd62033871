import { ServiceUnavailableException } from '@nestjs/common';

/**
 * Bounds the password hashing a flood of sign-ins can cause: at most `concurrency` argon2
 * verifications at once (each takes ~50 ms of CPU and 19 MiB), at most `queue` waiting; beyond
 * that a sign-in is refused at once, so downloads and the rest of the api keep their CPU.
 */
export class Argon2Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency = 2,
    private readonly queue = 32,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw new ServiceUnavailableException('Too many sign-ins at once; try again in a moment');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
