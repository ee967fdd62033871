import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { AuthState } from './auth.state';

// The guard and the login form handle these themselves; a 401 there is an answer, not an expiry.
const SELF_HANDLED = ['/auth/me', '/auth/login', '/auth/logout'];

/** A 401 from any other call means the session expired while the console was open. */
export const sessionExpiredInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthState);
  const router = inject(Router);
  return next(req).pipe(
    catchError((err: unknown) => {
      const path = req.url.split('?')[0] ?? '';
      if (err instanceof HttpErrorResponse && err.status === 401 && !SELF_HANDLED.some((p) => path.endsWith(p))) {
        auth.forget();
        void router.navigate(['/login'], { queryParams: { returnUrl: router.url } });
      }
      return throwError(() => err);
    }),
  );
};
