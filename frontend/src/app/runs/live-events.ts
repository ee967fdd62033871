import { Injectable } from '@angular/core';
import { Observable } from 'rxjs';
import { LIVE_EVENT_TYPES, LiveEvent } from './live-event';

/**
 * Opens the api's event stream. EventSource reconnects by itself after a dropped connection; the
 * stream closes when the subscriber unsubscribes (the component is destroyed).
 */
@Injectable({ providedIn: 'root' })
export class LiveEvents {
  /** Every event, or only one run's (`{ runId }`) or one restore's (`{ restoreId }`). */
  stream(only: { runId?: string; restoreId?: string } = {}): Observable<LiveEvent> {
    return new Observable<LiveEvent>((subscriber) => {
      const query = new URLSearchParams();
      if (only.runId) query.set('runId', only.runId);
      if (only.restoreId) query.set('restoreId', only.restoreId);
      const url = query.size ? `/api/events?${query}` : '/api/events';
      const source = new EventSource(url);
      const onEvent = (message: MessageEvent<string>) => {
        try {
          subscriber.next(JSON.parse(message.data) as LiveEvent);
        } catch {
          // a malformed event is skipped; the next one replaces it
        }
      };
      for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, onEvent as EventListener);
      return () => source.close();
    });
  }
}
