// The bastion's authority, read from the access domain (server/access/, docs/access.md): registered
// keys, targets, grants (approved or active requests), the posture gate, the sealed device
// credential. What `vigie server start` uses and what the end-to-end tests drive.
//
// Posture-gate policy at session start: the gateway's latest report must pass the gate now. A grant
// approved with a posture override lets a session through a closed gate only when every rule that
// fails now is one the approvers accepted in the override and the report itself is usable (fresh,
// present); a new failure, or a stale report, refuses.
import type { Pack, SiteOverlay } from '../../policies/pack.js';
import { openDeviceCredential } from '../access/device-credential.js';
import { findGrant, nextApprovedWindow } from '../access/grant-lookup.js';
import { checkPostureGate, describeGateRefusal } from '../access/posture-gate.js';
import { findRequest, listRequests } from '../access/requests-store.js';
import { findSealedDeviceCredential, findTarget, isVendorAllowed } from '../access/targets-store.js';
import { markGrantActive } from '../access/transitions.js';
import { listSshKeys, vendorOfUser } from '../access/vendors-store.js';
import type { Target } from '../access/model.js';
import { fromDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import type { BastionAuthority, ConnectDecision, DeviceCredential, GrantStatus, GrantWindow, ListedGrant, RegisteredKey, UpstreamTarget } from './authority.js';

export interface AccessAuthorityDeps {
  db: Database;
  secretsKey: SecretsKey;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
}

const GRANT_STATES = ['approved', 'active'];

function upstreamOf(target: Target): UpstreamTarget {
  return {
    targetId: target.target_id,
    name: target.name,
    host: target.ssh_host,
    port: target.ssh_port,
    hostKeyFingerprint: target.host_key_fingerprint,
    channels: { shell: target.channels.shell, exec: target.channels.exec, sftp: target.channels.sftp, forwardPorts: target.channels.direct_tcpip_ports },
    recordInput: target.record_input,
  };
}

export class AccessAuthority implements BastionAuthority {
  constructor(private readonly deps: AccessAuthorityDeps) {}

  async registeredKeys(userId: string): Promise<RegisteredKey[]> {
    return (await listSshKeys(this.deps.db, userId)).map((key) => ({ fingerprint: key.fingerprint, publicKey: `${key.algorithm} ${key.public_key}` }));
  }

  async decideConnect(userId: string, targetName: string, now: Date): Promise<ConnectDecision> {
    const { db } = this.deps;
    const refuse = (reason: string, message: string, nextWindow: GrantWindow | null = null): ConnectDecision => ({ allowed: false, reason, message, nextWindow });
    const noGrant = () => refuse('no_grant', 'aucune autorisation pour cet équipement / no grant for this device');
    const target = await findTarget(db, { name: targetName });
    // An unknown target, a disabled one and another vendor's answer alike: nothing to learn by guessing names.
    if (target === undefined || target.disabled_at !== null) return noGrant();
    const vendor = await vendorOfUser(db, userId);
    if (vendor === undefined || vendor.disabled_at !== null || !(await isVendorAllowed(db, target.target_id, vendor.vendor_id))) return noGrant();

    const grant = await findGrant(db, userId, target.target_id, now);
    if (grant === undefined) {
      const next = await nextApprovedWindow(db, userId, target.target_id, now);
      const nextWindow = next === undefined ? null : { grantId: next.request_id, requestId: next.request_id, targetName, notBefore: next.not_before, notAfter: next.not_after };
      const mine = await listRequests(db, { requester_id: userId, target_id: target.target_id, limit: 50 });
      const t = now.getTime();
      const inWindow = mine.filter((r) => Date.parse(r.not_before) <= t && t < Date.parse(r.not_after));
      if (inWindow.some((r) => r.state === 'revoked')) return refuse('revoked', 'autorisation révoquée / the grant was revoked', nextWindow);
      if (inWindow.some((r) => r.state === 'pending')) return refuse('pending_approval', 'demande en attente d’approbation / the request awaits approval', nextWindow);
      if (nextWindow !== null) return refuse('window_not_started', 'la fenêtre approuvée n’a pas commencé / the approved window has not started', nextWindow);
      if (mine.some((r) => ['approved', 'active', 'closed'].includes(r.state) && Date.parse(r.not_after) <= t)) {
        return refuse('window_over', 'la fenêtre approuvée est passée / the approved window is over');
      }
      return noGrant();
    }
    const window: GrantWindow = { grantId: grant.request_id, requestId: grant.request_id, targetName, notBefore: grant.not_before, notAfter: grant.not_after };
    const gate = await checkPostureGate({ db, packs: this.deps.packs, overlays: this.deps.overlays }, target.gateway_host_id, now);
    if (!gate.ok) {
      let accepted = false;
      if (grant.posture_override && gate.problem === null) {
        const request = await findRequest(db, grant.request_id);
        const acceptedRules = new Set(request?.posture_override?.failing_rules ?? []);
        accepted = gate.failing.every((rule) => acceptedRules.has(rule.rule_id));
      }
      if (!accepted) {
        return refuse('posture_gate', `${describeGateRefusal(gate, 'fr')} / ${describeGateRefusal(gate, 'en')}`.replace(/\s+/g, ' ').slice(0, 600));
      }
    }
    return { allowed: true, grant: window, target: upstreamOf(target) };
  }

  async currentGrants(userId: string, now: Date): Promise<{ grants: ListedGrant[]; hidden: number }> {
    const { db } = this.deps;
    const requests = await listRequests(db, { requester_id: userId, states: ['approved', 'active'], from: now, limit: 100 });
    const vendor = await vendorOfUser(db, userId);
    const grants: ListedGrant[] = [];
    let hidden = 0;
    for (const request of requests) {
      const target = await findTarget(db, { target_id: request.target_id });
      // What could never let them in is not listed: a disabled target, a vendor no longer allowed there.
      if (target === undefined || target.disabled_at !== null || vendor === undefined || vendor.disabled_at !== null || !(await isVendorAllowed(db, target.target_id, vendor.vendor_id))) {
        hidden += 1;
        continue;
      }
      const window = { grantId: request.request_id, requestId: request.request_id, targetName: target.name, notBefore: request.not_before, notAfter: request.not_after };
      let blocked: string | null = null;
      if (Date.parse(request.not_before) <= now.getTime()) {
        // Open now: say what a connection would meet (the posture gate), as the connection itself would.
        const decision = await this.decideConnect(userId, target.name, now);
        if (!decision.allowed) blocked = decision.message;
      }
      grants.push({ ...window, blocked });
    }
    grants.sort((a, b) => a.notBefore.localeCompare(b.notBefore) || a.targetName.localeCompare(b.targetName));
    return { grants, hidden };
  }

  async grantStatuses(grantIds: readonly string[]): Promise<Map<string, GrantStatus>> {
    const statuses = new Map<string, GrantStatus>();
    if (grantIds.length === 0) return statuses;
    // One query per watchdog tick for every live session of this replica.
    const rows = await this.deps.db.selectFrom('access_requests').select(['request_id', 'state', 'not_after']).where('request_id', 'in', [...grantIds]).execute();
    for (const row of rows) {
      const valid = GRANT_STATES.includes(row.state);
      // The access clock closes a grant at its window's end: for the session, that is the window's end.
      const reason = valid ? null : row.state === 'closed' ? 'window_end' : row.state;
      statuses.set(row.request_id, { grantId: row.request_id, valid, reason, notAfter: fromDbTime(row.not_after) });
    }
    return statuses;
  }

  async deviceCredential(targetId: string): Promise<DeviceCredential> {
    const target = await findTarget(this.deps.db, { target_id: targetId });
    const sealed = await findSealedDeviceCredential(this.deps.db, targetId);
    if (target === undefined || sealed === undefined) throw new Error(`target ${targetId} has no device credential`);
    const secret = openDeviceCredential(this.deps.secretsKey, targetId, sealed);
    return target.credential_kind === 'password'
      ? { username: target.device_user, kind: 'password', password: secret }
      : { username: target.device_user, kind: 'key', privateKey: secret };
  }

  async sessionStarted(grantId: string, sessionId: string, now: Date): Promise<void> {
    await markGrantActive({ db: this.deps.db }, grantId, sessionId, now);
  }
}
