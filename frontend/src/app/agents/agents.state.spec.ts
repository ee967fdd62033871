import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { AgentDto as Agent } from '../api/models/agent-dto';
import { AgentsState } from './agents.state';

const agent = (id: string, extra: Partial<Agent> = {}): Agent => ({
  id, hostname: `${id}.lan`, os: 'linux', version: '1.0.0', status: 'pending', clientId: null, online: false, journal: false,
  lastHeartbeatAt: null, lastAddress: null, callbackUrl: null, enrolledAt: '2026-01-01T00:00:00Z', ...extra,
});

describe('AgentsState', () => {
  let state: AgentsState;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [AgentsState, provideHttpClient(), provideHttpClientTesting()] });
    state = TestBed.inject(AgentsState);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('loads agents and clients, approves a pending agent and revokes it', async () => {
    const loaded = state.load();
    http.expectOne('/api/agents').flush([agent('a1')]);
    http.expectOne('/api/clients').flush([{ id: 'c1', name: 'ws-01', hostname: 'ws-01.lan', description: '', site: '', enabled: true, createdAt: '', updatedAt: '' }]);
    await loaded;
    expect(state.agents().map((a) => a.status)).toEqual(['pending']);

    const approved = state.approve('a1', 'c1');
    const post = http.expectOne('/api/agents/a1/approve');
    expect(post.request.body).toEqual({ clientId: 'c1' });
    post.flush(agent('a1', { status: 'approved', clientId: 'c1', online: true }));
    await approved;
    expect(state.clientName(state.agents()[0]!.clientId)).toBe('ws-01');

    const revoked = state.revoke('a1');
    http.expectOne('/api/agents/a1/revoke').flush(agent('a1', { status: 'revoked', clientId: 'c1' }));
    await revoked;
    expect(state.agents()[0]!.status).toBe('revoked');
  });

  it('keeps the issued token to show it once, and the API error message on failure', async () => {
    const issued = state.issueToken('c1');
    http.expectOne('/api/clients/c1/enrolment-tokens').flush({ id: 't1', token: 'tok', clientId: 'c1', expiresAt: '2026-01-02T00:00:00Z', command: 'backtrac-agent enroll --token tok' });
    await issued;
    expect(state.token()?.command).toContain('--token tok');

    const failed = state.approve('a9', 'c1');
    http.expectOne('/api/agents/a9/approve').flush({ statusCode: 404, message: 'Agent a9 does not exist' }, { status: 404, statusText: 'Not Found' });
    await failed;
    expect(state.error()).toBe('Agent a9 does not exist');
  });
});
