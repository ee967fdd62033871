import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { LoginComponent } from './login.component';

describe('LoginComponent', () => {
  let http: HttpTestingController;

  function render(returnUrl?: string) {
    TestBed.configureTestingModule({ imports: [LoginComponent], providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(LoginComponent);
    if (returnUrl) fixture.componentRef.setInput('returnUrl', returnUrl);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    const type = (name: string, value: string) => {
      const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    const submit = () => el.querySelector('form')!.dispatchEvent(new Event('submit'));
    return { fixture, el, type, submit };
  }

  afterEach(() => http.verify());

  it('shows validation messages and sends nothing when the form is empty', async () => {
    const { fixture, el, submit } = render();
    submit();
    fixture.detectChanges();
    await fixture.whenStable();
    expect(el.textContent).toContain('Email is required');
    expect(el.textContent).toContain('Password is required');
    http.expectNone('/api/auth/login');
  });

  it('shows "Invalid email or password" on 401 and clears the password', async () => {
    const { fixture, el, type, submit } = render();
    type('email', 'admin@example.com');
    type('password', 'wrong');
    submit();
    const req = http.expectOne('/api/auth/login');
    expect(req.request.body).toEqual({ email: 'admin@example.com', password: 'wrong' });
    req.flush({ statusCode: 401, message: 'Invalid email or password' }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid="login-error"]')?.textContent).toContain('Invalid email or password');
    expect(el.querySelector<HTMLInputElement>('input[name="password"]')!.value).toBe('');
  });

  it.each([
    ['/clients/1', '/clients/1'],
    ['//evil.example/phish', '/dashboard'],
    ['https://evil.example/', '/dashboard'],
  ])('after signing in with returnUrl %s goes to %s', async (returnUrl, expected) => {
    const { fixture, type, submit } = render(returnUrl);
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    type('email', 'admin@example.com');
    type('password', 'right');
    submit();
    http.expectOne('/api/auth/login').flush({ id: 'u1', email: 'admin@example.com' });
    await fixture.whenStable();
    expect(navigate).toHaveBeenCalledWith(expected);
  });
});
