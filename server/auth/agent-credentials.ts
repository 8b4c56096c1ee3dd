// Authenticating agents that deliver reports, without a database read per report.
//
// Reports are the server's busiest traffic, and a lookup per report on the request thread costs
// more than judging it. So the identity and credential digest of each host that authenticated
// are kept in memory (bounded). This is a first gate only, deciding whether the body is worth
// reading: the transaction that stores a report checks the host again (server/ingestion/ingestion.ts:
// same credential digest, not revoked, same role and site). A host revoked or re-enrolled after it
// was cached is therefore refused before anything of its report is stored; the route then forgets
// it here, so its next request is refused at this gate, from the database.
import type { FastifyRequest } from 'fastify';
import type { HostRole } from '../../policies/evidence.js';
import { findHostWithCredential } from '../db/hosts.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { digestsMatch, hashSecret, parseCredential } from '../secrets/secrets.js';
import { bearerToken } from './bearer.js';

/** An authenticated agent: its enrolled identity and the digest of the credential it presented. */
export interface AgentIdentity {
  host_id: string;
  role: HostRole;
  site: string;
  credential_hash: string;
  /** The name it enrolled with (what `hosts:` allowlist entries match); absent: match by host_id only. */
  enrolled_hostname?: string;
}

/** Hosts remembered at most; beyond, the longest-remembered is dropped (it is read again when it reports). */
const AGENT_CACHE_CAPACITY = 100_000;

const unauthenticated = () => new ApiError(401, 'unauthenticated', 'A valid agent credential is required (Authorization: Bearer ...).');

export class AgentCredentialCache {
  private readonly agents = new Map<string, AgentIdentity>();

  constructor(
    private readonly db: Database,
    private readonly capacity = AGENT_CACHE_CAPACITY,
  ) {}

  /** Hosts currently remembered. */
  get size(): number {
    return this.agents.size;
  }

  /**
   * The enrolled, unrevoked host whose credential the request presents (401 or 403 otherwise).
   * `onDatabaseRead` is told how long a lookup took when the host was not remembered.
   */
  async authenticate(request: FastifyRequest, onDatabaseRead?: (seconds: number) => void): Promise<AgentIdentity> {
    const presented = bearerToken(request);
    const parsed = presented === null ? null : parseCredential(presented);
    if (parsed === null) throw unauthenticated();
    const digest = hashSecret(parsed.secret);
    const known = this.agents.get(parsed.id);
    if (known !== undefined && digestsMatch(digest, known.credential_hash)) return known;

    // Not remembered, or a credential other than the remembered one (re-enrolled): ask the database.
    const start = process.hrtime.bigint();
    const found = await findHostWithCredential(this.db, parsed.id);
    onDatabaseRead?.(Number(process.hrtime.bigint() - start) / 1e9);
    if (found === undefined || !digestsMatch(digest, found.credential_hash)) throw unauthenticated();
    if (found.host.revoked_at !== null) {
      this.forget(parsed.id);
      throw new ApiError(403, 'host_revoked', 'This host has been revoked; it must be enrolled again.');
    }
    const agent: AgentIdentity = {
      host_id: found.host.host_id,
      role: found.host.role,
      site: found.host.site,
      credential_hash: found.credential_hash,
      enrolled_hostname: found.host.enrolled_hostname,
    };
    this.remember(agent);
    return agent;
  }

  /** Drop what is known of `hostId` (it was refused by the database, or revoked). */
  forget(hostId: string): void {
    this.agents.delete(hostId);
  }

  private remember(agent: AgentIdentity): void {
    this.agents.delete(agent.host_id);
    if (this.agents.size >= this.capacity) {
      const oldest = this.agents.keys().next();
      if (oldest.done !== true) this.agents.delete(oldest.value);
    }
    this.agents.set(agent.host_id, agent);
  }
}
