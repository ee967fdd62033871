import { signal } from '@angular/core';
import { httpErrorMessage } from './http-error-message';

/** Whether a screen's requests are running, and the last one's error as text for the page. */
export class RequestStatus {
  private readonly _loading = signal(false);
  private readonly _error = signal<string | null>(null);

  readonly loading = this._loading.asReadonly();
  readonly error = this._error.asReadonly();

  /** Runs `work` with loading set; a failure becomes the error message rather than a rejection. */
  async track(work: () => Promise<void>): Promise<void> {
    this._loading.set(true);
    this._error.set(null);
    try {
      await work();
    } catch (err) {
      this._error.set(httpErrorMessage(err));
    } finally {
      this._loading.set(false);
    }
  }
}
