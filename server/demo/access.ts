// The demo's telemaintenance access: two vendor companies with one technician each (TOTP enrolled,
// an SSH public key registered), maintained devices behind the GHT's gateways (an MRI console, a CT
// scanner console), hospital reviewers, and requests in every state a person can put them in
// (the `active` state needs a session through the bastion and is not faked): a request pending
// with half its quorum, one pending on a gateway that fails the posture gate, an approved grant,
// an emergency awaiting its countersignature, and denied, cancelled, revoked, closed and expired
// ones in the days before. Everything goes through the real transition functions (quorum, posture
// gate, TOTP step-ups, audit log); past events are made with a past `now`, in time order.
// No secret is printed: the device credentials are random, sealed, and forgotten.
import { randomBytes } from 'node:crypto';
import type { SiteOverlay, Pack } from '../../policies/pack.js';
import { addSshKey, addVendorMember, createTarget, createVendor } from '../access/directory.js';
import { checkPostureGate } from '../access/posture-gate.js';
import { DEFAULT_CHANNELS, type AccessRequest, type Target } from '../access/model.js';
import { findRequest } from '../access/requests-store.js';
import { cancelRequest, createRequest, expireDueRequests, reviewRequest, revokeRequest, type AccessActor, type AccessDeps } from '../access/transitions.js';
import type { AuditActor } from '../auditlog/auditlog.js';
import { createAccount } from '../auth/accounts.js';
import type { Role } from '../auth/roles.js';
import { newTotpSecret, totpCode } from '../auth/totp.js';
import { sealTotpSecret } from '../auth/totp-at-rest.js';
import type { Database } from '../db/schema.js';
import { confirmTotpSecret, setPendingTotpSecret } from '../db/users.js';
import type { SecretsKey } from '../secrets/secrets-key.js';

const DEMO: AuditActor = { type: 'cli', id: 'demo' };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Where the demo's reviews come from (the throttle and the audit log need an address). */
const DEMO_SOURCE = '127.0.0.1';

/** Public keys only (their private halves were never kept). */
const VENDOR_KEYS = {
  'k.weber': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJeq1EDi4ppd6oVd+EJUZn/s6VAMXkDcU9n6yngEi3XK k.weber@siemens-hc.example',
  'j.leroy': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDRXydSHRdwDaaib4lQFPdvo19OzAjPjYGZV1eiU22s j.leroy@ge-hc.example',
} as const;

interface DemoPerson extends AccessActor {
  secret: string;
}

export interface AccessDemo {
  vendors: string[];
  targets: Target[];
  requests: Record<'pending' | 'pendingGateFailing' | 'approved' | 'emergency' | 'denied' | 'cancelled' | 'revoked' | 'closed' | 'expired', AccessRequest>;
  /** The gateway of the request pending on a failing gate, and the rules that close it. */
  failingGate: { hostname: string; rules: string[] };
}

async function person(db: Database, key: SecretsKey, username: string, role: Role, now: Date): Promise<DemoPerson> {
  // A random password nobody is told: these demo people act through the transitions, not the login.
  const { user: account } = await createAccount(db, { username, role, password: `demo-${randomBytes(12).toString('base64url')}` }, DEMO, now);
  const secret = newTotpSecret();
  const pending = sealTotpSecret(key, account.user_id, 'totp_pending_secret', secret);
  await setPendingTotpSecret(db, account.user_id, pending);
  if (!(await confirmTotpSecret(db, account.user_id, pending, sealTotpSecret(key, account.user_id, 'totp_secret', secret), 0))) {
    throw new Error(`demo: TOTP of ${username} not confirmed`);
  }
  return { user_id: account.user_id, username, role, secret };
}

async function gatewayId(db: Database, hostname: string): Promise<string> {
  const row = await db.selectFrom('hosts').select('host_id').where('hostname', '=', hostname).where('revoked_at', 'is', null).executeTakeFirst();
  if (row === undefined) throw new Error(`demo: gateway ${hostname} is not enrolled`);
  return row.host_id;
}

/** Seeds the access domain once the fleet has reported (the posture gate reads the gateways' reports). */
export async function seedAccessDemo(
  input: { db: Database; secretsKey: SecretsKey; packs: Map<string, Pack>; overlays: ReadonlyMap<string, SiteOverlay>; log: AccessDeps['log'] },
  now: Date,
): Promise<AccessDemo> {
  const { db, secretsKey } = input;
  const deps: AccessDeps = { db, secretsKey, packs: input.packs, overlays: input.overlays, log: input.log };
  const at = (ms: number) => new Date(now.getTime() + ms);
  const setUp = at(-4 * DAY);

  await createVendor(db, { slug: 'siemens-hc', name: 'Siemens Healthineers — télémaintenance' }, DEMO, setUp);
  await createVendor(db, { slug: 'ge-hc', name: 'GE HealthCare — InSite' }, DEMO, setUp);
  const weber = await person(db, secretsKey, 'k.weber', 'vendor', setUp);
  const leroy = await person(db, secretsKey, 'j.leroy', 'vendor', setUp);
  await addVendorMember(db, 'siemens-hc', weber.username, DEMO, setUp);
  await addVendorMember(db, 'ge-hc', leroy.username, DEMO, setUp);
  // Each technician registered the public key of their laptop themselves.
  await addSshKey(db, weber, VENDOR_KEYS['k.weber'], { type: 'user', id: weber.username }, setUp);
  await addSshKey(db, leroy, VENDOR_KEYS['j.leroy'], { type: 'user', id: leroy.username }, setUp);
  const rssi = await person(db, secretsKey, 'rssi.vallee', 'rssi', setUp);
  const rssi2 = await person(db, secretsKey, 'rssi.adjoint', 'rssi', setUp);
  const bio = await person(db, secretsKey, 'biomed.vallee', 'biomedical', setUp);
  const bio2 = await person(db, secretsKey, 'biomed.plateau', 'biomedical', setUp);
  const admin = await person(db, secretsKey, 'admin.ght', 'admin', setUp);

  const target = async (name: string, gateway: string, site: string, ssh: string, vendor: string, deviceUser: string) =>
    createTarget(
      db,
      secretsKey,
      {
        name,
        site,
        device_class: 'imaging',
        gateway_host_id: await gatewayId(db, gateway),
        ssh_host: ssh,
        ssh_port: 22,
        // Pinned host key of the device (a fingerprint, public).
        host_key_fingerprint: `SHA256:${Buffer.from(`${name} demo host key`).toString('base64').replace(/=+$/, '').padEnd(43, 'A').slice(0, 43)}`,
        device_user: deviceUser,
        credential_kind: 'password',
        device_credential: randomBytes(18).toString('base64url'),
        quorum: { rssi: 1, biomedical: 1 },
        max_window_minutes: 8 * 60,
        channels: DEFAULT_CHANNELS,
        record_input: true,
        first_connect_timeout_minutes: null,
        vendors: [vendor],
      },
      DEMO,
      setUp,
    );
  const mriVallee = await target('irm-vallee-console', 'val-tmg-irm-01', 'chi-vallee', '10.10.40.21', 'siemens-hc', 'meduser');
  const mriPlateau = await target('irm-plateau-console', 'pla-tmg-irm-01', 'ch-plateau', '10.20.40.21', 'ge-hc', 'insite');
  const ctRiviere = await target('scanner-riviere-console', 'riv-tmg-scanner-01', 'ch-riviere', '10.30.40.22', 'siemens-hc', 'meduser');

  const ask = (who: DemoPerson, t: Target, when: Date, from: number, hours: number, reason: string, ticket: string) =>
    createRequest(deps, who, { target: t.name, not_before: new Date(when.getTime() + from).toISOString(), not_after: new Date(when.getTime() + from + hours * HOUR).toISOString(), reason, ticket }, when);
  const code = (p: DemoPerson, when: Date) => totpCode(p.secret, when);
  /**
   * rssi then biomedical approve at `when`. Should the gateway not pass the posture gate at that
   * time, the RSSI approves with a written override and the admin is the approver the override asks for.
   */
  const approve = async (request: AccessRequest, when: Date, reviewers: [DemoPerson, DemoPerson, DemoPerson]) => {
    let state = request;
    for (const [i, who] of reviewers.entries()) {
      if (state.state === 'approved') break;
      const moment = new Date(when.getTime() + i * MIN);
      const outcome = await reviewRequest(
        deps,
        who,
        request.request_id,
        { decision: 'approve', comment: 'Intervention planifiée avec le service biomédical.', totp_code: code(who, moment), override_justification: 'Passerelle vérifiée sur place avec le fournisseur ; écart suivi dans le plan d’action.' },
        DEMO_SOURCE,
        moment,
      );
      state = outcome.request;
    }
    if (state.state !== 'approved') throw new Error(`demo: request ${request.ticket} not approved (${state.state})`);
    return state;
  };

  // Four days ago: asked, never reviewed before its deadline: expired.
  const expired = await ask(weber, ctRiviere, at(-3 * DAY), 2 * HOUR, 2, 'Contrôle qualité annuel du scanner', 'SR-2026-1180');
  // Two days ago: asked, approved, its window is over: closed.
  const closedAsk = await ask(weber, mriVallee, at(-2 * DAY), HOUR, 2, 'Mise à jour logicielle de la console IRM (VE11E)', 'SR-2026-1191');
  await approve(closedAsk, at(-2 * DAY + 10 * MIN), [rssi, bio, admin]);
  // Yesterday: GE asks on the plateau MRI; the biomedical engineer denies it.
  const denied = await ask(leroy, mriPlateau, at(-DAY), 3 * HOUR, 2, 'Diagnostic bobine tête 32 canaux', 'GE-77120');
  await reviewRequest(deps, bio2, denied.request_id, { decision: 'deny', comment: 'Passerelle non conforme (compte fournisseur resté actif) : à corriger avant toute intervention.', totp_code: code(bio2, at(-DAY + HOUR)) }, DEMO_SOURCE, at(-DAY + HOUR));
  // This morning: asked, then withdrawn by the vendor.
  const cancelled = await ask(weber, ctRiviere, at(-5 * HOUR), 20 * HOUR, 2, 'Remplacement tube RX — préparation', 'SR-2026-1204');
  await cancelRequest(deps, weber, cancelled.request_id, 'Intervention reportée à la semaine prochaine', at(-4 * HOUR));
  // Approved three hours ago, revoked an hour ago by the RSSI.
  const revokedAsk = await ask(weber, mriVallee, at(-3 * HOUR), 10 * MIN, 4, 'Analyse des journaux après arrêt de l’IRM', 'SR-2026-1207');
  await approve(revokedAsk, at(-3 * HOUR + 2 * MIN), [rssi2, bio, admin]);
  await revokeRequest(deps, rssi2, revokedAsk.request_id, 'Panne résolue par l’équipe biomédicale sur place ; accès plus nécessaire.', at(-HOUR));
  await expireDueRequests(deps, now);

  // Now: an approved grant for this afternoon on the Vallée MRI console.
  const approvedAsk = await ask(weber, mriVallee, at(-30 * MIN), 2 * HOUR, 4, 'Calibration du gradient après intervention', 'SR-2026-1211');
  const approved = await approve(approvedAsk, at(-3 * MIN), [rssi, bio, admin]);
  // Pending, half its quorum: the biomedical engineer approved, the RSSI has not yet.
  const pendingAsk = await ask(weber, ctRiviere, at(-10 * MIN), DAY, 3, 'Mise à jour de sécurité du poste d’acquisition', 'SR-2026-1214');
  const pending = (await reviewRequest(deps, bio2, pendingAsk.request_id, { decision: 'approve', comment: 'OK côté biomédical.', totp_code: code(bio2, now) }, DEMO_SOURCE, now)).request;
  // Pending on the plateau MRI, whose gateway fails the posture gate: approving it would be refused.
  const pendingGateFailing = await ask(leroy, mriPlateau, at(-20 * MIN), DAY + 2 * HOUR, 2, 'Diagnostic bobine tête 32 canaux (nouvelle demande)', 'GE-77135');
  // An emergency (bris de glace): one approver, to be countersigned within 24 h.
  const emergencyAsk = await createRequest(
    deps,
    weber,
    { target: ctRiviere.name, not_after: at(90 * MIN).toISOString(), reason: 'Scanner bloqué en salle, patient des urgences en attente', ticket: 'URG-2026-0042', emergency: true },
    now,
  );
  const emergency = (await reviewRequest(deps, rssi2, emergencyAsk.request_id, { decision: 'approve', comment: 'Urgence confirmée par le cadre de radiologie.', totp_code: code(rssi2, now) }, DEMO_SOURCE, now)).request;

  const gate = await checkPostureGate(deps, mriPlateau.gateway_host_id, now);
  const requests = {
    pending,
    pendingGateFailing,
    approved,
    emergency,
    denied: (await findRequest(db, denied.request_id))!,
    cancelled: (await findRequest(db, cancelled.request_id))!,
    revoked: (await findRequest(db, revokedAsk.request_id))!,
    closed: (await findRequest(db, closedAsk.request_id))!,
    expired: (await findRequest(db, expired.request_id))!,
  };
  return {
    vendors: ['siemens-hc', 'ge-hc'],
    targets: [mriVallee, mriPlateau, ctRiviere],
    requests,
    failingGate: { hostname: gate.hostname ?? 'pla-tmg-irm-01', rules: [...(gate.problem === null ? [] : [gate.problem.code]), ...gate.failing.map((f) => f.rule_id)] },
  };
}

/** What main.ts prints about the access demo, and where to see it. */
export function accessDemoText(demo: AccessDemo, lang: 'fr' | 'en', url: string, dataDir: string): string {
  const r = demo.requests;
  const gate = `${demo.failingGate.hostname} (${demo.failingGate.rules.join(', ') || '?'})`;
  const lines =
    lang === 'fr'
      ? [
          'Télémaintenance (accès fournisseurs) :',
          `  fournisseurs ${demo.vendors.join(', ')} ; un technicien chacun (k.weber, j.leroy), TOTP et clé SSH enregistrés`,
          `  équipements : ${demo.targets.map((t) => t.name).join(', ')} (derrière les passerelles du GHT)`,
          `  demandes : en attente ${r.pending.ticket} (1/2 approbations), en attente ${r.pendingGateFailing.ticket} sur une passerelle qui échoue au contrôle de posture : ${gate},`,
          `  approuvée ${r.approved.ticket} (${r.approved.not_before} → ${r.approved.not_after}), urgence ${r.emergency.ticket} à contresigner sous 24 h,`,
          `  refusée ${r.denied.ticket}, annulée ${r.cancelled.ticket}, révoquée ${r.revoked.ticket}, terminée ${r.closed.ticket}, expirée ${r.expired.ticket}`,
          `  Tableau de bord : ${url}/access — en ligne de commande : npm run vigie -- access list --data-dir ${dataDir}`,
        ]
      : [
          'Telemaintenance (vendor access):',
          `  vendors ${demo.vendors.join(', ')}; one technician each (k.weber, j.leroy), TOTP and SSH key registered`,
          `  devices: ${demo.targets.map((t) => t.name).join(', ')} (behind the GHT's gateways)`,
          `  requests: pending ${r.pending.ticket} (1/2 approvals), pending ${r.pendingGateFailing.ticket} on a gateway that fails the posture gate: ${gate},`,
          `  approved ${r.approved.ticket} (${r.approved.not_before} → ${r.approved.not_after}), emergency ${r.emergency.ticket} to countersign within 24 h,`,
          `  denied ${r.denied.ticket}, cancelled ${r.cancelled.ticket}, revoked ${r.revoked.ticket}, closed ${r.closed.ticket}, expired ${r.expired.ticket}`,
          `  Dashboard: ${url}/access — command line: npm run vigie -- access list --data-dir ${dataDir}`,
        ];
  return lines.join('\n');
}
