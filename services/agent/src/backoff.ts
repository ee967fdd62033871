/** Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped, reset on success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 1_000,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  get attempts(): number {
    return this.failures;
  }

  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 20));
    this.failures += 1;
    return Math.max(this.baseMs / 2, Math.floor(this.random() * ceiling));
  }

  reset(): void {
    this.failures = 0;
  }
}
