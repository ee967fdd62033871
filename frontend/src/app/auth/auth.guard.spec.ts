import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ActivatedRouteSnapshot, Router, RouterStateSnapshot, UrlTree, provideRouter } from '@angular/router';
import { authGuard } from './auth.guard';
import { AuthState } from './auth.state';

describe('authGuard', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  function run(url: string): Promise<boolean | UrlTree> {
    const state = { url } as RouterStateSnapshot;
    return TestBed.runInInjectionContext(() => authGuard({} as ActivatedRouteSnapshot, state)) as Promise<boolean | UrlTree>;
  }

  it('redirects to /login with the wanted URL when GET /api/auth/me answers 401', async () => {
    const result = run('/clients/42');
    http.expectOne('/api/auth/me').flush({ statusCode: 401, message: 'Unauthorized' }, { status: 401, statusText: 'Unauthorized' });
    const tree = await result;
    expect(tree).toBeInstanceOf(UrlTree);
    expect(TestBed.inject(Router).serializeUrl(tree as UrlTree)).toBe('/login?returnUrl=%2Fclients%2F42');
    expect(TestBed.inject(AuthState).user()).toBeNull();
  });

  it('lets the route through and remembers the user when the session is live', async () => {
    const result = run('/dashboard');
    const req = http.expectOne('/api/auth/me');
    expect(req.request.method).toBe('GET');
    req.flush({ id: 'u1', email: 'admin@example.com' });
    expect(await result).toBe(true);
    expect(TestBed.inject(AuthState).user()?.email).toBe('admin@example.com');
  });

  it('also sends the user to /login when the API is unreachable', async () => {
    const result = run('/dashboard');
    http.expectOne('/api/auth/me').error(new ProgressEvent('error'));
    expect(await result).toBeInstanceOf(UrlTree);
  });
});
