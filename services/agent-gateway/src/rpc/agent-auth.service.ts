import { Inject, Injectable } from '@nestjs/common';
import { AuditLogRepository, type Agent, AgentRepository } from '@backtrac/catalog';
import { parseBasicAuth } from '@backtrac/xmlrpc';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as argon2 from 'argon2';
import { AGENT_RPC_OPTIONS, type ResolvedAgentRpcOptions } from './agent-rpc.options.js';
import { AgentRevokedError, AuthFailedError, AuthRequiredError, RateLimitedError } from './agent-rpc.errors.js';

/** argon2id with OWASP's minimum memory: the secrets are 256 random bits, so cost only guards a leaked table. */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** A verified secret is remembered (as SHA-256) this long so heartbeats do not pay argon2 each time. */
const VERIFIED_TTL_MS = 10 * 60_000;
const MAX_TRACKED = 10_000;
/**
 * An authenticated agent's row is reused this long, so a steady heartbeat costs no query for it.
 * Revocation and approval therefore take effect within this delay.
 */
const AGENT_ROW_TTL_MS = 2_000;
/**
 * A heartbeat may use a row up to this old, while a fresh one is read in the background: a slow
 * database then delays nothing on the busiest path. Other methods always wait for a fresh row.
 */
const AGENT_ROW_STALE_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface FailureWindow {
  count: number;
  windowStart: number;
  lockedUntil: number;
}

/**
 * Authenticates agents by their own secret (HTTP Basic `agentId:secret`), rate limits bad secrets
 * and records failures and lockouts in the audit log. Wrong secrets for a real agent are counted
 * per (agent, address) pair and lock only that pair; unknown agent ids and bad tokens are counted
 * per address and lock only such attempts. So nobody's failures lock out a correct secret used
 * elsewhere, and a secret already verified is accepted whatever was locked.
 *
 * The limiter and the verified-secret cache are per process: with several gateway replicas an
 * attacker gets `badAuthLimit` tries per replica and window.
 */
@Injectable()
export class AgentAuthService {
  private readonly failures = new Map<string, FailureWindow>();
  private readonly verified = new Map<string, { digest: Buffer; hash: string; until: number }>();
  private readonly rows = new Map<string, { agent: Agent; at: number }>();
  private readonly reading = new Map<string, Promise<Agent | null>>();

  constructor(
    private readonly agents: AgentRepository,
    private readonly audit: AuditLogRepository,
    @Inject(AGENT_RPC_OPTIONS) private readonly options: ResolvedAgentRpcOptions,
  ) {}

  static newSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  static hashSecret(secret: string): Promise<string> {
    return argon2.hash(secret, ARGON2);
  }

  /**
   * Returns the authenticated agent (pending or approved); throws an XML-RPC domain error otherwise.
   * `allowStale` (heartbeats) accepts a cached row up to a minute old and refreshes it behind.
   */
  async authenticate(authorization: string | undefined, address: string, now = Date.now(), options: { allowStale?: boolean } = {}): Promise<Agent> {
    const credentials = parseBasicAuth(authorization);
    if (!credentials) throw new AuthRequiredError();
    const { user: agentId, password: secret } = credentials;
    const agent = await this.lookup(agentId, now, options.allowStale === true);
    if (!agent) {
      this.assertNotLocked(`addr:${address}`, now);
      await this.recordFailure(agentId, address, false, now);
      throw new AuthFailedError();
    }
    if (!this.provenByCache(agent, secret, now)) {
      this.assertNotLocked(pairKey(agent.id, address), now);
      if (!(await this.secretMatches(agent, secret, now))) {
        await this.recordFailure(agentId, address, true, now);
        throw new AuthFailedError();
      }
    }
    if (agent.status === 'revoked') throw new AgentRevokedError();
    return agent;
  }

  private async lookup(agentId: string, now: number, allowStale: boolean): Promise<Agent | null> {
    if (!UUID.test(agentId)) return null;
    const cached = this.rows.get(agentId);
    const age = cached ? now - cached.at : Number.POSITIVE_INFINITY;
    if (cached && age < AGENT_ROW_TTL_MS) return cached.agent;
    if (cached && allowStale && age < AGENT_ROW_STALE_MS) {
      this.read(agentId, now).catch(() => undefined);
      return cached.agent;
    }
    return this.read(agentId, now);
  }

  /** One database read per agent at a time; the result replaces the cached row. */
  private read(agentId: string, now: number): Promise<Agent | null> {
    let pending = this.reading.get(agentId);
    if (!pending) {
      pending = this.agents
        .findById(agentId)
        .then((agent) => {
          if (!agent) this.rows.delete(agentId);
          else {
            if (this.rows.size >= MAX_TRACKED) this.rows.clear();
            this.rows.set(agentId, { agent, at: now });
          }
          return agent;
        })
        .finally(() => this.reading.delete(agentId));
      this.reading.set(agentId, pending);
    }
    return pending;
  }

  /** Counts a failed enrolment token like a bad secret (same limiter, same audit trail). */
  async recordBadToken(address: string, now = Date.now()): Promise<void> {
    await this.recordFailure(null, address, false, now, 'agent.enrol_failed');
  }

  /**
   * Unsolicited enrolments create rows an admin must look at: an address gets `badAuthLimit` of
   * them per window, like failed attempts.
   */
  async countUnsolicitedEnrolment(address: string, now = Date.now()): Promise<void> {
    this.assertNotLocked(`enrol:${address}`, now);
    if (this.bump(`enrol:${address}`, now)) {
      await this.audit.record({ actor: 'system', action: 'agent.enrol_rate_limited', target: null, address, details: { seconds: this.options.badAuthWindowSeconds } });
    }
  }

  assertAddressNotLocked(address: string, now = Date.now()): void {
    this.assertNotLocked(`addr:${address}`, now);
  }

  /** True when this very secret was verified recently (tied to the stored hash, so re-enrolment invalidates it). */
  private provenByCache(agent: Agent, secret: string, now: number): boolean {
    const cached = this.verified.get(agent.id);
    return cached !== undefined && cached.until > now && cached.hash === agent.secretHash && timingSafeEqual(cached.digest, createHash('sha256').update(secret).digest());
  }

  private async secretMatches(agent: Agent, secret: string, now: number): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest();
    let ok: boolean;
    try {
      ok = await argon2.verify(agent.secretHash, secret);
    } catch {
      ok = false;
    }
    if (ok) {
      if (this.verified.size >= MAX_TRACKED) this.verified.clear();
      this.verified.set(agent.id, { digest, hash: agent.secretHash, until: now + VERIFIED_TTL_MS });
    }
    return ok;
  }

  private assertNotLocked(key: string, now: number): void {
    const w = this.failures.get(key);
    if (w && w.lockedUntil > now) throw new RateLimitedError(Math.ceil((w.lockedUntil - now) / 1000));
  }

  private bump(key: string, now: number): boolean {
    const windowMs = this.options.badAuthWindowSeconds * 1000;
    let w = this.failures.get(key);
    if (!w || now - w.windowStart > windowMs) {
      if (!w && this.failures.size >= MAX_TRACKED) this.prune(now);
      w = { count: 0, windowStart: now, lockedUntil: 0 };
      this.failures.set(key, w);
    }
    w.count += 1;
    if (w.count >= this.options.badAuthLimit) {
      w.lockedUntil = now + windowMs;
      return true;
    }
    return false;
  }

  private prune(now: number): void {
    const windowMs = this.options.badAuthWindowSeconds * 1000;
    for (const [key, w] of this.failures) {
      if (w.lockedUntil <= now && now - w.windowStart > windowMs) this.failures.delete(key);
    }
    // Under a flood of distinct addresses, forget the oldest rather than grow without bound.
    while (this.failures.size >= MAX_TRACKED) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
    }
  }

  private async recordFailure(agentId: string | null, address: string, knownAgent: boolean, now: number, action = 'agent.auth_failed'): Promise<void> {
    const lockedAgent = knownAgent && agentId !== null ? this.bump(pairKey(agentId, address), now) : false;
    const lockedAddress = knownAgent ? false : this.bump(`addr:${address}`, now);
    const target = agentId !== null ? `agent:${agentId.slice(0, 64)}` : null;
    await this.audit.record({ actor: 'anonymous', action, target, address, details: { knownAgent } });
    if (lockedAddress || lockedAgent) {
      await this.audit.record({
        actor: 'system',
        action: 'agent.auth_rate_limited',
        target,
        address,
        details: { by: lockedAddress ? 'address' : 'agent-and-address', seconds: this.options.badAuthWindowSeconds },
      });
    }
  }
}

const pairKey = (agentId: string, address: string): string => `pair:${agentId}@${address}`;
