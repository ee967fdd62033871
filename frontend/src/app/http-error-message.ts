import { HttpErrorResponse } from '@angular/common/http';

/**
 * Turns a failed API call into one line a person can read. The API answers errors as
 * {statusCode, message, error}, where message is a string or (validation) a list of strings.
 */
export function httpErrorMessage(err: unknown): string {
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) return 'The server cannot be reached.';
    const body: unknown = err.error;
    if (body && typeof body === 'object' && 'message' in body) {
      const message = (body as { message: unknown }).message;
      if (Array.isArray(message)) return message.map(String).join('; ');
      if (typeof message === 'string' && message) return message;
    }
    return `Request failed (${err.status} ${err.statusText || 'error'}).`;
  }
  return err instanceof Error ? err.message : 'Unexpected error.';
}
