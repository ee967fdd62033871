import { Injectable, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { snapshotsFind } from '../api/fn/snapshots/snapshots-find';
import { FindResultDto as FindResult } from '../api/models/find-result-dto';
import { RequestStatus } from '../request-status';

export interface FindRequest {
  clientId: string;
  q: string;
  offset: number;
  limit: number;
}

/** One page of the paths of a client whose name matches, across all its snapshots. */
@Injectable()
export class FindState {
  private readonly api = inject(Api);
  private readonly _result = signal<FindResult | null>(null);
  private readonly status = new RequestStatus();
  private latestRequest = 0;

  readonly result = this._result.asReadonly();
  readonly loading = this.status.loading;
  readonly error = this.status.error;

  async search(request: FindRequest): Promise<void> {
    // Typing faster than the api answers: only the latest answer is shown.
    const ticket = ++this.latestRequest;
    await this.status.track(async () => {
      const result = await this.api.invoke(snapshotsFind, { id: request.clientId, q: request.q, offset: request.offset, limit: request.limit });
      if (ticket === this.latestRequest) this._result.set(result);
    });
  }

  clear(): void {
    this.latestRequest++;
    this._result.set(null);
  }
}
