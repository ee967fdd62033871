/** A short API client keeping the session cookie, like a browser would. */
export class ApiClient {
  private cookie = '';
  constructor(readonly baseUrl: string) {}

  /** `rawBody`, when given, is sent as is instead of `body` as JSON (for malformed input). */
  async call(method: string, path: string, body?: unknown, rawBody?: string): Promise<{ status: number; json: any; text: string; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, json, text, headers: response.headers };
  }

  async raw(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}/api${path}`, { ...init, headers: { ...(init.headers ?? {}), ...(this.cookie ? { cookie: this.cookie } : {}) } });
  }

  get sessionCookie(): string {
    return this.cookie;
  }
}
