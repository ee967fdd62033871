import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AuthState } from './auth.state';

/** Lets a route through only with a live session; otherwise sends the user to /login and back. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthState);
  const router = inject(Router);
  let signedIn: boolean;
  try {
    signedIn = await auth.refresh();
  } catch {
    // The API is down or failing: the login screen is where that becomes visible to the user.
    signedIn = false;
  }
  return signedIn ? true : router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};
