import type { AgentRepository } from '@backtrac/catalog';
import type { AuditLogRepository } from '@backtrac/catalog';
import { describe, expect, it, vi } from 'vitest';
import type { AgentAuthService } from './agent-auth.service.js';
import { resolveAgentRpcOptions } from './agent-rpc.options.js';
import { checkCallbackUrl, EnrolmentService } from './enrolment.service.js';

function service(allowUnsolicitedEnrolment: boolean) {
  const agents = { claimToken: vi.fn(), create: vi.fn(), createClientForHost: vi.fn() };
  const auth = { assertAddressNotLocked: vi.fn(), recordBadToken: vi.fn(), countUnsolicitedEnrolment: vi.fn() };
  const audit = { record: vi.fn() };
  const options = resolveAgentRpcOptions({ secretKey: Buffer.alloc(32), allowUnsolicitedEnrolment });
  return { svc: new EnrolmentService(agents as unknown as AgentRepository, auth as unknown as AgentAuthService, audit as unknown as AuditLogRepository, options), agents, auth };
}

const req = { token: '', hostname: 'h1', os: 'linux', version: '1', callbackUrl: '', address: '10.0.0.1' };

describe('EnrolmentService', () => {
  it('refuses enrolment without a token when the server does not allow it, touching nothing', async () => {
    const { svc, agents, auth } = service(false);
    await expect(svc.enrol(req)).rejects.toMatchObject({ code: 'ENROLMENT_CLOSED', faultCode: 1011 });
    expect(agents.create).not.toHaveBeenCalled();
    expect(auth.countUnsolicitedEnrolment).not.toHaveBeenCalled();
  });

  it('counts a bad token against the address', async () => {
    const { svc, agents, auth } = service(false);
    agents.claimToken.mockResolvedValue(null);
    await expect(svc.enrol({ ...req, token: 'nope' })).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(auth.recordBadToken).toHaveBeenCalledWith('10.0.0.1');
  });
});

describe('checkCallbackUrl', () => {
  it('accepts http(s) URLs without credentials, and empty', () => {
    expect(checkCallbackUrl('')).toBeNull();
    expect(checkCallbackUrl('https://client.example:7611/RPC2')).toBe('https://client.example:7611/RPC2');
    for (const bad of ['ftp://x/', 'http://u:p@x/', 'not a url', 'javascript:alert(1)', `http://x/${'a'.repeat(3000)}`]) {
      expect(() => checkCallbackUrl(bad)).toThrow();
    }
  });
});
