import { Injectable } from '@angular/core';
import { Observable } from 'rxjs';
import { LIVE_EVENT_TYPES, LiveEvent } from './live-event';

/**
 * Opens the api's event stream. EventSource reconnects by itself after a dropped connection; the
 * stream closes when the subscriber unsubscribes (the component is destroyed).
 */
@Injectable({ providedIn: 'root' })
export class LiveEvents {
  stream(runId?: string): Observable<LiveEvent> {
    return new Observable<LiveEvent>((subscriber) => {
      const url = runId ? `/api/events?runId=${encodeURIComponent(runId)}` : '/api/events';
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
