// An in-memory BastionAuthority for the bastion's unit tests only (the server and the end-to-end
// tests use the access domain's). It applies the same rules the bastion relies on: a grant of the
// user on the target whose window contains now, not revoked, and a passing posture gate.
import type {
  BastionAuthority,
  ConnectDecision,
  DeviceCredential,
  GrantStatus,
  GrantWindow,
  ListedGrant,
  RegisteredKey,
  UpstreamTarget,
} from '../../../server/bastion/authority.js';

export interface MemoryGrant extends GrantWindow {
  userId: string;
  revoked: boolean;
}

export class MemoryAuthority implements BastionAuthority {
  readonly keys = new Map<string, RegisteredKey[]>();
  readonly targets = new Map<string, { target: UpstreamTarget; credential: DeviceCredential; failingRules: string[] }>();
  readonly grants: MemoryGrant[] = [];
  readonly started: string[] = [];
  /** Set to make every read fail (the database is away). */
  unreachable = false;

  private check(): void {
    if (this.unreachable) throw new Error('database unreachable (test)');
  }

  async registeredKeys(userId: string): Promise<RegisteredKey[]> {
    this.check();
    return this.keys.get(userId) ?? [];
  }

  async decideConnect(userId: string, targetName: string, now: Date): Promise<ConnectDecision> {
    this.check();
    const mine = this.grants.filter((grant) => grant.userId === userId && grant.targetName === targetName);
    const entry = this.targets.get(targetName);
    const next = mine
      .filter((grant) => !grant.revoked && Date.parse(grant.notBefore) > now.getTime())
      .sort((a, b) => a.notBefore.localeCompare(b.notBefore))[0] ?? null;
    const refuse = (reason: string, message: string): ConnectDecision => ({ allowed: false, reason, message, nextWindow: next });
    if (entry === undefined || mine.length === 0) return refuse('no_grant', 'aucune autorisation pour cet équipement / no grant for this device');
    const inWindow = mine.filter((grant) => Date.parse(grant.notBefore) <= now.getTime() && now.getTime() < Date.parse(grant.notAfter));
    const current = inWindow.find((grant) => !grant.revoked) ?? inWindow[0];
    if (current === undefined) {
      if (next !== null) return refuse('window_not_started', 'la fenêtre approuvée n’a pas commencé / the approved window has not started');
      return refuse('window_over', 'la fenêtre approuvée est passée / the approved window is over');
    }
    if (current.revoked) return refuse('revoked', 'autorisation révoquée / the grant was revoked');
    if (entry.failingRules.length > 0) {
      return refuse('posture_gate', `la passerelle ne passe pas le contrôle de posture (${entry.failingRules.join(', ')}) / the gateway fails the posture gate`);
    }
    return { allowed: true, grant: current, target: entry.target };
  }

  async currentGrants(userId: string, now: Date): Promise<{ grants: ListedGrant[]; hidden: number }> {
    this.check();
    const grants = this.grants
      .filter((grant) => grant.userId === userId && !grant.revoked && Date.parse(grant.notAfter) > now.getTime())
      .map((grant) => {
        const failing = this.targets.get(grant.targetName)?.failingRules ?? [];
        return { ...grant, blocked: failing.length > 0 && Date.parse(grant.notBefore) <= now.getTime() ? `posture gate (${failing.join(', ')})` : null };
      });
    return { grants, hidden: 0 };
  }

  async grantStatuses(grantIds: readonly string[]): Promise<Map<string, GrantStatus>> {
    this.check();
    const statuses = new Map<string, GrantStatus>();
    for (const grant of this.grants) {
      if (!grantIds.includes(grant.grantId)) continue;
      statuses.set(grant.grantId, { grantId: grant.grantId, valid: !grant.revoked, reason: grant.revoked ? 'revoked' : null, notAfter: grant.notAfter });
    }
    return statuses;
  }

  async deviceCredential(targetId: string): Promise<DeviceCredential> {
    this.check();
    for (const entry of this.targets.values()) if (entry.target.targetId === targetId) return entry.credential;
    throw new Error(`no target ${targetId}`);
  }

  async sessionStarted(grantId: string): Promise<void> {
    this.started.push(grantId);
  }
}
