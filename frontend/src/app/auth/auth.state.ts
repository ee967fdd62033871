import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Api } from '../api/api';
import { authLogin } from '../api/fn/auth/auth-login';
import { authLogout } from '../api/fn/auth/auth-logout';
import { authMe } from '../api/fn/auth/auth-me';
import { UserDto as User } from '../api/models/user-dto';

/** Who is signed in. The session itself is the HttpOnly `__Host-bt_session` cookie; this only mirrors it. */
@Injectable({ providedIn: 'root' })
export class AuthState {
  private readonly api = inject(Api);
  private readonly _user = signal<User | null>(null);

  readonly user = this._user.asReadonly();
  readonly signedIn = computed(() => this._user() !== null);

  /** Asks the API who owns the session cookie; false when there is none or it expired (401). */
  async refresh(): Promise<boolean> {
    try {
      this._user.set(await this.api.invoke(authMe));
      return true;
    } catch (err) {
      this._user.set(null);
      if (err instanceof HttpErrorResponse && err.status === 401) return false;
      throw err;
    }
  }

  async login(email: string, password: string): Promise<void> {
    this._user.set(await this.api.invoke(authLogin, { body: { email, password } }));
  }

  async logout(): Promise<void> {
    try {
      await this.api.invoke(authLogout);
    } finally {
      this._user.set(null);
    }
  }

  /** Drops the local copy when the API says the session is gone. */
  forget(): void {
    this._user.set(null);
  }
}
