// Shared set-up of the access tests: a real database, an app, two telemaintenance gateways that
// reported through the API (one passing the posture gate, one failing it), vendors, targets, and
// people of every reviewer role with an enrolled TOTP secret (codes computed at the test clock).
import type { Test } from 'tap';
import type { Report } from '../../../policies/evidence.js';
import { loadShippedPacks, packForRole, type Pack, type SiteOverlay } from '../../../policies/pack.js';
import { buildApp, type App } from '../../../server/app.js';
import { createTarget, createVendor, addVendorMember } from '../../../server/access/directory.js';
import { DEFAULT_CHANNELS, type Quorum, type Target } from '../../../server/access/model.js';
import type { AccessActor, AccessDeps } from '../../../server/access/transitions.js';
import { hashPassword } from '../../../server/auth/passwords.js';
import type { Role } from '../../../server/auth/roles.js';
import { totpCode } from '../../../server/auth/totp.js';
import { sealTotpSecret } from '../../../server/auth/totp-at-rest.js';
import { newTotpSecret } from '../../../server/auth/totp.js';
import type { Database } from '../../../server/db/schema.js';
import { confirmTotpSecret, insertUser, setPendingTotpSecret } from '../../../server/db/users.js';
import { prepareReport } from '../../../server/ingestion/ingestion.js';
import { insertReportIfNew } from '../../../server/db/reports.js';
import { recordReportSeen } from '../../../server/db/hosts.js';
import { verdictSetRow } from '../../../server/db/verdicts.js';
import { createLogger } from '../../../server/logger.js';
import { openSecretsKey, type SecretsKey } from '../../../server/secrets/secrets-key.js';
import { DEFAULT_WINDOW, DEVICE_IP, gatewayReport, tunnel, VENDOR_IP, withMfa, withTelemaintenance } from '../../helpers/report-builder-bkp.js';
import { agentOf, enrollHost, openTestDatabase, TEST_NOW, testConfig, type DbKind, type EnrolledHost, type TestDatabase } from '../fixture.js';

export const PASSWORD = 'correct horse battery staple';

/** The device credential every test target holds: searched for in every response, log line and audit entry. */
export const DEVICE_SECRET = 'Dev1ce-Cr3dential-DO-NOT-LEAK-7f3a9c';

/**
 * The shipped packs with the gateway pack carrying the site declarations the test evidence matches
 * (`overlayWindows`: TMA-02's hand-typed approved windows, as a site overlay would declare them).
 */
export function testPacks(overlayWindows: { ticket: string; start: string; end: string }[] = [DEFAULT_WINDOW]): Map<string, Pack> {
  const packs = loadShippedPacks();
  const gateway = structuredClone(packForRole('telemaintenance-gateway', packs));
  const declared: Record<string, Record<string, unknown>> = {
    'TMA-01': { vendor_sources: [VENDOR_IP], admin_sources: ['10.0.0.0/24'] },
    'TMA-02': { approved_windows: overlayWindows },
    'TMA-04': { collector_retention_days: 365 },
    'TMA-06': { declared_flows: [{ name: 'IRM-1 DICOM', destination: DEVICE_IP, ports: [104], protocol: 'tcp' }], infrastructure: [{ name: 'syslog', destination: '10.0.0.20' }] },
  };
  for (const rule of gateway.rules) rule.parameters = { ...rule.parameters, ...declared[rule.id] };
  packs.set(gateway.id, gateway);
  return packs;
}

/** A gateway report that passes every gate rule (critical + TMA-*), for `host`. */
export function healthyGatewayReport(host: EnrolledHost): Report {
  const report = withMfa(gatewayReport(), { remote_access: [{ kind: 'vpn', name: 'vpn-vendor', exposure: 'internet', factors: ['password', 'totp'] }] });
  return { ...report, report_id: crypto.randomUUID(), host: { ...report.host, host_id: host.host_id, site: host.site, role: host.role, hostname: `gw-${host.host_id.slice(0, 4)}` } };
}

/** The same gateway with a cleartext vendor tunnel: TMA-05 fails, the gate closes. */
export function failingGatewayReport(host: EnrolledHost): Report {
  const report = withTelemaintenance(healthyGatewayReport(host), { tunnels: [tunnel({ type: 'cleartext', authentication: 'none' })] });
  return { ...report, report_id: crypto.randomUUID() };
}

export class TestClock {
  constructor(public at: Date = TEST_NOW) {}
  now = () => this.at;
  advance(ms: number): Date {
    this.at = new Date(this.at.getTime() + ms);
    return this.at;
  }
}

export interface Person extends AccessActor {
  secret: string;
}

export interface AccessWorld {
  kind: DbKind;
  /** The test database (its data dir holds the secrets key: a started server on it opens the same). */
  database: TestDatabase;
  db: Database;
  app: App;
  key: SecretsKey;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
  clock: TestClock;
  deps: AccessDeps;
  gateway: EnrolledHost;
  failingGateway: EnrolledHost;
  /** Behind the healthy gateway; quorum rssi + biomedical; vendors acme. */
  target: Target;
  /** Behind the failing gateway; same quorum; vendors acme. */
  failingTarget: Target;
  people: Record<'vendor' | 'colleague' | 'otherVendor' | 'rssi' | 'rssi2' | 'bio' | 'bio2' | 'admin' | 'tech' | 'auditor', Person>;
  /** The person's current TOTP code at the clock. */
  code(person: Person): string;
  /** Log lines the app wrote. */
  logs: string[];
}

let passwordHash: Promise<string> | undefined;

async function person(db: Database, key: SecretsKey, username: string, role: Role, now: Date): Promise<Person> {
  // One Argon2 hash for every test person (hashing is slow on purpose).
  passwordHash ??= hashPassword(PASSWORD);
  const created = await insertUser(db, { username, role, password_hash: await passwordHash, password_must_change: false, now });
  const secret = newTotpSecret();
  const userId = created.user_id;
  const pending = sealTotpSecret(key, userId, 'totp_pending_secret', secret);
  await setPendingTotpSecret(db, userId, pending);
  if (!(await confirmTotpSecret(db, userId, pending, sealTotpSecret(key, userId, 'totp_secret', secret), 0))) throw new Error('confirm failed');
  return { user_id: userId, username, role, secret };
}

/**
 * Store `report` as ingestion would (judged, written, made the host's current report), in this
 * process: the ingestion worker thread takes seconds to boot on a loaded machine, and the
 * ingestion path has its own tests.
 */
export async function storeReport(db: Database, packs: Map<string, Pack>, host: EnrolledHost, report: Report, now: Date): Promise<void> {
  const prepared = prepareReport(report, agentOf(host), packForRole(host.role, packs), now);
  if (!(await insertReportIfNew(db, { ...prepared.row, ...verdictSetRow(prepared.verdicts) }))) throw new Error('report not stored');
  await recordReportSeen(db, prepared.seen);
}

export async function accessWorld(t: Test, kind: DbKind, options: {
    quorum?: Quorum;
    firstConnectMinutes?: number | null;
    packs?: Map<string, Pack>;
    /** Site overlays, as the server would load them from <dataDir>/overlays/ (none by default). */
    overlays?: ReadonlyMap<string, SiteOverlay>;
  } = {},): Promise<AccessWorld> {
  const database = await openTestDatabase(t, kind);
  const config = testConfig(database.dataDir, database.databaseUrl, { logLevel: 'trace' });
  const key = openSecretsKey(config);
  const packs = options.packs ?? testPacks();
  const overlays = options.overlays ?? new Map<string, SiteOverlay>();
  const clock = new TestClock();
  const logs: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
  const app = buildApp({ db: database.db, config, now: clock.now, packs, overlays, secretsKey: key, logger });
  t.teardown(() => app.close());
  await app.ready();
  const db = database.db;
  const gateway = await enrollHost(app, db, { role: 'telemaintenance-gateway', hostname: 'tmg-irm-01.ch-demo.local' });
  const failingGateway = await enrollHost(app, db, { role: 'telemaintenance-gateway', hostname: 'tmg-ct-01.ch-demo.local' });
  await storeReport(db, packs, gateway, healthyGatewayReport(gateway), clock.at);
  await storeReport(db, packs, failingGateway, failingGatewayReport(failingGateway), clock.at);
  const now = clock.at;
  const cli = { type: 'cli' as const, id: 'tests' };
  await createVendor(db, { slug: 'acme-imaging', name: 'Acme Imaging SAS' }, cli, now);
  await createVendor(db, { slug: 'globex-lab', name: 'Globex Lab' }, cli, now);
  const people = {
    vendor: await person(db, key, 'jdupont', 'vendor', now),
    colleague: await person(db, key, 'mmartin', 'vendor', now),
    otherVendor: await person(db, key, 'globex-tech', 'vendor', now),
    rssi: await person(db, key, 'rssi-anne', 'rssi', now),
    rssi2: await person(db, key, 'rssi-bruno', 'rssi', now),
    bio: await person(db, key, 'bio-claire', 'biomedical', now),
    bio2: await person(db, key, 'bio-denis', 'biomedical', now),
    admin: await person(db, key, 'admin-eve', 'admin', now),
    tech: await person(db, key, 'tech-fred', 'technician', now),
    auditor: await person(db, key, 'audit-gina', 'auditor', now),
  };
  await addVendorMember(db, 'acme-imaging', 'jdupont', cli, now);
  await addVendorMember(db, 'acme-imaging', 'mmartin', cli, now);
  await addVendorMember(db, 'globex-lab', 'globex-tech', cli, now);
  const targetInput = (name: string, host: EnrolledHost) => ({
    name,
    site: host.site,
    device_class: 'imaging',
    gateway_host_id: host.host_id,
    ssh_host: '10.20.0.15',
    ssh_port: 22,
    host_key_fingerprint: 'SHA256:' + 'A'.repeat(43),
    device_user: 'service',
    credential_kind: 'password' as const,
    device_credential: DEVICE_SECRET,
    quorum: options.quorum ?? { rssi: 1, biomedical: 1 },
    max_window_minutes: 8 * 60,
    channels: DEFAULT_CHANNELS,
    record_input: true,
    first_connect_timeout_minutes: options.firstConnectMinutes ?? null,
    vendors: ['acme-imaging'],
  });
  const target = await createTarget(db, key, targetInput('irm-vallee-01', gateway), cli, now);
  const failingTarget = await createTarget(db, key, targetInput('ct-vallee-01', failingGateway), cli, now);
  const deps: AccessDeps = { db, packs, overlays, secretsKey: key, log: app.log };
  return {
    kind,
    database,
    db,
    app,
    key,
    packs,
    overlays,
    clock,
    deps,
    gateway,
    failingGateway,
    target,
    failingTarget,
    people,
    code: (p) => totpCode(p.secret, clock.at),
    logs,
  };
}

/** A window of `hours` starting `inMinutes` from the clock. */
export function windowFrom(clock: TestClock, inMinutes: number, hours: number): { not_before: string; not_after: string } {
  const start = clock.at.getTime() + inMinutes * 60_000;
  return { not_before: new Date(start).toISOString(), not_after: new Date(start + hours * 3600_000).toISOString() };
}
