import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { AuthState } from './auth.state';
import { sessionExpiredInterceptor } from './session-expired.interceptor';

describe('sessionExpiredInterceptor', () => {
  let http: HttpTestingController;
  let navigate: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(withInterceptors([sessionExpiredInterceptor])), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
  });

  afterEach(() => http.verify());

  async function fail(url: string, status: number): Promise<unknown> {
    const call = firstValueFrom(TestBed.inject(HttpClient).get(url)).catch((err: unknown) => err);
    http.expectOne(url).flush({ statusCode: status, message: 'nope' }, { status, statusText: 'x' });
    return call;
  }

  it('sends the user to /login when a data call answers 401, and still fails the call', async () => {
    const err = await fail('/api/clients', 401);
    expect(err).toMatchObject({ status: 401 });
    expect(navigate).toHaveBeenCalledWith(['/login'], { queryParams: { returnUrl: '/' } });
    expect(TestBed.inject(AuthState).signedIn()).toBe(false);
  });

  it('leaves a wrong password on /api/auth/login to the login form', async () => {
    await fail('/api/auth/login', 401);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('does not treat other errors as an expired session', async () => {
    await fail('/api/clients', 500);
    expect(navigate).not.toHaveBeenCalled();
  });
});
