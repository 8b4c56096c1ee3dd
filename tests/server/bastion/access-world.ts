// The access domain as the bastion's end-to-end tests need it, built with the access module's own
// functions (server/access/): two telemaintenance gateways that reported (one passing the posture
// gate, one failing it), vendors with members and registered keys, targets pointing at the test's
// sshd with the device key sealed, grants (requests approved) and revokes by an RSSI.
import type { Test } from 'tap';
import { addSshKey, addVendorMember, createTarget, createVendor } from '../../../server/access/directory.js';
import { insertRequest, updateRequestIfVersion } from '../../../server/access/requests-store.js';
import { revokeRequest, type AccessActor, type AccessDeps } from '../../../server/access/transitions.js';
import { vendorOfUser } from '../../../server/access/vendors-store.js';
import type { Target } from '../../../server/access/model.js';
import type { Pack } from '../../../policies/pack.js';
import { buildApp } from '../../../server/app.js';
import { AccessAuthority } from '../../../server/bastion/access-authority.js';
import type { Database } from '../../../server/db/schema.js';
import { insertUser } from '../../../server/db/users.js';
import type { SecretsKey } from '../../../server/secrets/secrets-key.js';
import { createLogger } from '../../../server/logger.js';
import { failingGatewayReport, healthyGatewayReport, storeReport, testPacks } from '../access/helpers.js';
import { enrollHost, testConfig, type EnrolledHost } from '../fixture.js';
import type { TestSshd } from '../../helpers/sshd.js';
import type { Vendor } from './harness.js';

const CLI = { type: 'cli' as const, id: 'bastion-tests' };

export interface AccessWorld {
  authority: AccessAuthority;
  deps: AccessDeps;
  packs: Map<string, Pack>;
  rssi: AccessActor;
  targets: Record<string, Target>;
  gateway: EnrolledHost;
  failingGateway: EnrolledHost;
}

export interface TargetSpec {
  name: string;
  vendors: string[];
  failingGateway?: boolean;
  forwardPorts?: number[];
  sftp?: boolean;
  recordInput?: boolean;
}

/** Gateways with reports judged at `now` (the bastion's clock, started at the fixtures' TEST_NOW), vendors acme and globex, the targets, an RSSI. */
export async function buildAccessWorld(
  t: Test,
  options: { db: Database; dataDir: string; secretsKey: SecretsKey; now: Date; sshd: TestSshd; targets: TargetSpec[] },
): Promise<AccessWorld> {
  const { db, now } = options;
  const packs = testPacks();
  const app = buildApp({ db, config: testConfig(options.dataDir, null), now: () => now, packs, overlays: new Map(), secretsKey: options.secretsKey });
  t.teardown(() => app.close());
  await app.ready();
  const gateway = await enrollHost(app, db, { role: 'telemaintenance-gateway', hostname: 'tmg-irm-01.ch-demo.local' });
  const failingGateway = await enrollHost(app, db, { role: 'telemaintenance-gateway', hostname: 'tmg-ct-01.ch-demo.local' });
  await storeReport(db, packs, gateway, healthyGatewayReport(gateway), now);
  await storeReport(db, packs, failingGateway, failingGatewayReport(failingGateway), now);
  await createVendor(db, { slug: 'acme-imaging', name: 'Acme Imaging SAS' }, CLI, now);
  await createVendor(db, { slug: 'globex-lab', name: 'Globex Lab' }, CLI, now);
  const targets: Record<string, Target> = {};
  for (const spec of options.targets) {
    const host = spec.failingGateway === true ? failingGateway : gateway;
    targets[spec.name] = await createTarget(
      db,
      options.secretsKey,
      {
        name: spec.name,
        site: host.site,
        device_class: 'imaging',
        gateway_host_id: host.host_id,
        ssh_host: '127.0.0.1',
        ssh_port: options.sshd.port,
        host_key_fingerprint: options.sshd.hostKey.fingerprint,
        device_user: options.sshd.user,
        credential_kind: 'ed25519',
        device_credential: options.sshd.deviceKey.privateKey,
        quorum: { rssi: 1, biomedical: 1 },
        max_window_minutes: 8 * 60,
        channels: { shell: true, exec: true, sftp: spec.sftp ?? true, direct_tcpip_ports: spec.forwardPorts ?? [] },
        record_input: spec.recordInput ?? true,
        first_connect_timeout_minutes: null,
        vendors: spec.vendors,
      },
      CLI,
      now,
    );
  }
  const rssiUser = await insertUser(db, { username: 'rssi-anne', role: 'rssi', password_hash: 'x', password_must_change: false, now });
  const log = createLogger('silent');
  const deps: AccessDeps = { db, packs, overlays: new Map(), secretsKey: options.secretsKey, log };
  return {
    authority: new AccessAuthority({ db, secretsKey: options.secretsKey, packs, overlays: new Map() }),
    deps,
    packs,
    rssi: { user_id: rssiUser.user_id, username: 'rssi-anne', role: 'rssi' },
    targets,
    gateway,
    failingGateway,
  };
}

/** Make `vendor` a member of the vendor company `slug` and register their key (as the access module does). */
export async function enrolVendorUser(db: Database, slug: string, vendor: Vendor, now: Date): Promise<void> {
  await addVendorMember(db, slug, vendor.username, CLI, now);
  await addSshKey(db, { user_id: vendor.userId, username: vendor.username }, vendor.key.publicKey, CLI, now);
}

export interface TestGrant {
  requestId: string;
  notBefore: string;
  notAfter: string;
}

/** An approved request (a grant) of `vendor` on `target` from now+fromMs to now+toMs. */
export async function approvedGrant(db: Database, vendor: Vendor, target: Target, now: Date, fromMs: number, toMs: number): Promise<TestGrant> {
  const vendorId = (await vendorOfUser(db, vendor.userId))?.vendor_id ?? null;
  const notBefore = new Date(now.getTime() + fromMs);
  const notAfter = new Date(now.getTime() + toMs);
  const requestId = await insertRequest(db, {
    requester_id: vendor.userId,
    vendor_id: vendorId,
    target_id: target.target_id,
    not_before: notBefore,
    not_after: notAfter,
    review_deadline: new Date(Math.min(notAfter.getTime(), now.getTime() + 86_400_000)),
    first_connect_deadline: null,
    reason: 'bastion end-to-end test',
    ticket: 'TEST-1',
    emergency: false,
    quorum: { rssi: 1, biomedical: 1 },
    now,
  });
  if (!(await updateRequestIfVersion(db, requestId, 1, { state: 'approved', decided_at: now }))) throw new Error('grant not approved');
  return { requestId, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() };
}

export async function revoke(world: AccessWorld, grant: TestGrant, now: Date): Promise<void> {
  await revokeRequest(world.deps, world.rssi, grant.requestId, 'revoked by the bastion tests', now);
}

