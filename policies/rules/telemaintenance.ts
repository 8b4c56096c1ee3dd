// TMA-01..06: the telemaintenance gateway (the box or VM a vendor goes through to reach its device).
//
// Evidence: the optional top-level `telemaintenance` section (inbound connections, ingress rules,
// vendor accounts, tunnels, device accounts, log forwarding, sessions) and `network` (listeners,
// outbound flows). Server-side declared data — the vendor's declared IPs, the approved maintenance
// windows, the maintained devices' declared flows, the collector's retention — is not evidence:
// it comes as rule parameters, set by site overlays. Empty declarations give unknown, never pass.
//
// The rules declare section `network` (rule.ts has no `telemaintenance` section yet; see
// /work/notes/rules-bkp.md): an unavailable network section makes them unknown with its reason.
import ipaddr from 'ipaddr.js';
import { Type, type Static } from 'typebox';
import { canonicalIp, parseCidr } from '../allowlist.js';
import { isUnavailable, type Tunnel, type VendorAccount } from '../evidence.js';
import { defineRule, formatDuration, HOUR_MS, listFindings, type Finding, type RuleOutcome } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { isReported, missingEvidence, missingFinding } from './evidence-gaps.js';
import { passOutcome, summarise } from './outcomes.js';
import { ageAt, DAY_MS } from './time.js';

const strict = { additionalProperties: false } as const;

// ---------------------------------------------------------------- addresses

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
type Network = { ip: Ip; prefix: number };

/** An address or CIDR as written in a pack ("203.0.113.7", "198.51.100.0/24"). */
function parseNetwork(text: string): Network | null {
  if (text.includes('/')) {
    const cidr = parseCidr(text);
    return cidr.ok ? cidr.value : null;
  }
  const ip = canonicalIp(text);
  return ip.ok ? { ip: ip.value, prefix: ip.value.kind() === 'ipv4' ? 32 : 128 } : null;
}

function contains(network: Network, ip: Ip): boolean {
  if (network.ip.kind() !== ip.kind()) return false;
  return ip.kind() === 'ipv4'
    ? (ip as ipaddr.IPv4).match(network.ip as ipaddr.IPv4, network.prefix)
    : (ip as ipaddr.IPv6).match(network.ip as ipaddr.IPv6, network.prefix);
}

/** Parameter errors for a list of addresses / CIDRs. */
function networkErrors(name: string, list: readonly string[]): string[] {
  return list.flatMap((text, i) => (parseNetwork(text) ? [] : [`${name}/${i}: not an IP address or CIDR: ${text}`]));
}

const AddressList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1024 });
const ProtocolParam = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);

const TMA_WHAT = { fr: 'Preuves de la passerelle de télémaintenance', en: 'Telemaintenance gateway evidence' };

// ---------------------------------------------------------------- TMA-01

// TMA-01: every accepted inbound source is in `vendor_sources` (or `admin_sources`); no accepting
// ingress rule with source any (any, 0.0.0.0/0, ::/0); every non-loopback listener is in
// `allowed_listeners` (the tunnel or jump service). No vendor source declared = unknown.
export const Tma01Parameters = Type.Object(
  {
    vendor_sources: AddressList,
    admin_sources: AddressList,
    allowed_listeners: Type.Array(
      Type.Object({ port: Type.Integer({ minimum: 0, maximum: 65535 }), protocol: ProtocolParam, purpose: Type.String({ minLength: 1, maxLength: 200 }) }, strict),
      { maxItems: 64 },
    ),
  },
  strict,
);

const ANY_SOURCES = new Set(['any', '*', '0.0.0.0/0', '::/0', '0/0']);

export const tma01 = defineFindingsRule({
  id: 'TMA-01',
  section: 'network',
  parameters: Tma01Parameters,
  extraParameterErrors: (p) => [...networkErrors('vendor_sources', p.vendor_sources), ...networkErrors('admin_sources', p.admin_sources)],
  threshold: (p) =>
    "inbound sources in the vendor's declared IPs (or admin sources); no ingress rule from any; " +
    `listeners limited to ${p.allowed_listeners.map((l) => `${l.protocol}/${l.port}`).join(', ') || 'none'}`,
  leads: {
    pass: ['Accès entrants limités aux IP déclarées du fournisseur', "Inbound access limited to the vendor's declared IPs"],
    unknown: ['Accès entrants non établis', 'Inbound access not established'],
    fail: ['Accès entrant hors des IP déclarées ou exposition excessive', 'Inbound access outside declared IPs or excessive exposure'],
  },
  check(report, p) {
    const findings: Finding[] = [];
    const tma = report.telemaintenance;
    const missing = missingFinding(tma, '/telemaintenance', TMA_WHAT);
    if (missing) findings.push(missing);
    if (isReported(tma)) {
      const inbound = tma.inbound;
      if (isUnavailable(inbound)) {
        findings.push({ status: 'unknown', pointer: '/telemaintenance/inbound', fr: `connexions entrantes non observables (${inbound.unavailable})`, en: `inbound connections not observable (${inbound.unavailable})` });
      } else if (p.vendor_sources.length === 0) {
        findings.push({ status: 'unknown', pointer: '/telemaintenance/inbound', fr: 'IP du fournisseur non déclarées pour cette passerelle (paramètre vendor_sources)', en: "vendor's IPs not declared for this gateway (parameter vendor_sources)" });
      } else {
        const allowed = [...p.vendor_sources, ...p.admin_sources].map(parseNetwork).filter((n): n is Network => n !== null);
        const bad = new Map<string, number>();
        inbound.connections.forEach((c, i) => {
          const ip = canonicalIp(c.source_address);
          if (!ip.ok || !allowed.some((n) => contains(n, ip.value))) if (!bad.has(c.source_address)) bad.set(c.source_address, i);
        });
        for (const [source, i] of bad) {
          findings.push({ status: 'fail', pointer: `/telemaintenance/inbound/connections/${i}`, fr: `source entrante ${source} non déclarée`, en: `inbound source ${source} not declared` });
        }
        if (bad.size === 0) {
          findings.push({ status: 'pass', pointer: '/telemaintenance/inbound', fr: `${inbound.connections.length} connexion(s) entrante(s), toutes depuis des IP déclarées`, en: `${inbound.connections.length} inbound connection(s), all from declared IPs` });
        }
      }
      const rules = tma.ingress_rules;
      if (isUnavailable(rules)) {
        findings.push({ status: 'unknown', pointer: '/telemaintenance/ingress_rules', fr: `règles de filtrage entrant non lues (${rules.unavailable})`, en: `ingress rules not read (${rules.unavailable})` });
      } else {
        const open = rules.map((r, i) => ({ r, i })).filter(({ r }) => ANY_SOURCES.has(r.source.trim().toLowerCase()));
        for (const { r, i } of open) {
          findings.push({ status: 'fail', pointer: `/telemaintenance/ingress_rules/${i}`, fr: `règle entrante depuis ${r.source} (port ${r.port ?? 'tous'})`, en: `ingress rule from ${r.source} (port ${r.port ?? 'all'})` });
        }
        if (open.length === 0) findings.push({ status: 'pass', pointer: '/telemaintenance/ingress_rules', fr: 'aucune règle entrante depuis any', en: 'no ingress rule from any' });
      }
    }
    const network = report.network;
    const listeners = network.listeners;
    if (isUnavailable(listeners)) {
      findings.push({ status: 'unknown', pointer: '/network/listeners', fr: `services en écoute non observables (${listeners.unavailable})`, en: `listeners not observable (${listeners.unavailable})` });
    } else {
      const exposed = listeners
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => {
          const ip = canonicalIp(l.address);
          return !(ip.ok && ip.value.range() === 'loopback');
        })
        .filter(({ l }) => !p.allowed_listeners.some((a) => a.port === l.port && a.protocol === l.protocol));
      for (const { l, i } of exposed) {
        findings.push({ status: 'fail', pointer: `/network/listeners/${i}`, fr: `service exposé ${l.protocol}/${l.port} sur ${l.address} (${l.process ?? '?'})`, en: `exposed listener ${l.protocol}/${l.port} on ${l.address} (${l.process ?? '?'})` });
      }
      if (exposed.length === 0) findings.push({ status: 'pass', pointer: '/network/listeners', fr: 'exposition limitée au tunnel et au service de rebond', en: 'exposure limited to the tunnel and jump service' });
    }
    return findings;
  },
});

// ---------------------------------------------------------------- TMA-02

// TMA-02: vendor accounts and tunnels are open only inside an approved window (`approved_windows`,
// set by the server from access requests). An account's episode [enabled_at, disabled_at or now]
// must start inside a window (start <= enabled_at <= end; a window may list the accounts it is for),
// last <= max_enabled_hours, and end <= window end + grace_minutes. Episodes that ended more than
// lookback_days ago are not judged. A tunnel `up` event (within lookback) outside every window, or
// a tunnel up now past window end + grace, = fail. Limits inclusive.
export const Tma02Parameters = Type.Object(
  {
    approved_windows: Type.Array(
      Type.Object(
        {
          ticket: Type.String({ minLength: 1, maxLength: 64 }),
          start: Type.String({ format: 'date-time', maxLength: 40 }),
          end: Type.String({ format: 'date-time', maxLength: 40 }),
          accounts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
        },
        strict,
      ),
      { maxItems: 1000 },
    ),
    max_enabled_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }),
    grace_minutes: Type.Number({ minimum: 0, maximum: 24 * 60 }),
    lookback_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }),
  },
  strict,
);
type Window = Static<typeof Tma02Parameters>['approved_windows'][number];

export const tma02 = defineFindingsRule({
  id: 'TMA-02',
  section: 'network',
  parameters: Tma02Parameters,
  extraParameterErrors: (p) =>
    p.approved_windows.flatMap((w, i) => (Date.parse(w.start) <= Date.parse(w.end) ? [] : [`approved_windows/${i} (${w.ticket}): start after end`])),
  threshold: (p) =>
    `vendor accounts and tunnels only inside an approved window; enabled <= ${p.max_enabled_hours} h; ` +
    `closed by window end + ${p.grace_minutes} min; a tunnel with no window = fail`,
  leads: {
    pass: ['Accès fournisseur ouverts à la demande et bornés', 'Vendor access opened on demand and time-boxed'],
    unknown: ['Ouverture des accès fournisseur non établie', 'Vendor access opening not established'],
    fail: ['Accès fournisseur ouvert hors fenêtre ou trop longtemps', 'Vendor access open outside a window or for too long'],
  },
  check(report, p, context, threshold) {
    const tma = report.telemaintenance;
    if (!isReported(tma)) return missingEvidence(tma, '/telemaintenance', TMA_WHAT, threshold);
    const now = context.now.getTime();
    const graceMs = p.grace_minutes * 60_000;
    const lookbackMs = p.lookback_days * DAY_MS;
    const windows = p.approved_windows.map((w) => ({ w, start: Date.parse(w.start), end: Date.parse(w.end) }));
    const windowFor = (at: number, account: string | null) =>
      windows.find(({ w, start, end }) => start <= at && at <= end && (account === null || !w.accounts || w.accounts.includes(account)));
    const findings: Finding[] = [];
    const accounts = tma.vendor_accounts;
    if (isUnavailable(accounts)) {
      findings.push({ status: 'unknown', pointer: '/telemaintenance/vendor_accounts', fr: `comptes fournisseur non lus (${accounts.unavailable})`, en: `vendor accounts not read (${accounts.unavailable})` });
    } else {
      accounts.forEach((a, i) => findings.push(judgeAccount(a, `/telemaintenance/vendor_accounts/${i}`)));
    }
    function judgeAccount(a: VendorAccount, pointer: string): Finding {
      const name = `compte ${a.account}`;
      const nameEn = `account ${a.account}`;
      if (!a.enabled && (a.enabled_at === null || a.disabled_at === null)) {
        return { status: 'pass', pointer, fr: `${name} désactivé`, en: `${nameEn} disabled` };
      }
      if (a.enabled_at === null) return { status: 'unknown', pointer, fr: `${name} actif, date d'activation inconnue`, en: `${nameEn} enabled, enable time unknown` };
      const from = Date.parse(a.enabled_at);
      const to = a.enabled ? now : Date.parse(a.disabled_at ?? '');
      if (Number.isNaN(from) || Number.isNaN(to) || to < from || from - now > 5 * 60_000) {
        return { status: 'unknown', pointer, fr: `${name} : dates incohérentes`, en: `${nameEn}: implausible times` };
      }
      if (!a.enabled && now - to > lookbackMs) return { status: 'pass', pointer, fr: `${name} désactivé depuis ${a.disabled_at}`, en: `${nameEn} disabled since ${a.disabled_at}` };
      const d = formatDuration(to - from);
      const span = a.enabled
        ? { fr: `${name} actif depuis ${a.enabled_at} (${d.fr})`, en: `${nameEn} enabled since ${a.enabled_at} (${d.en})` }
        : { fr: `${name} actif de ${a.enabled_at} à ${a.disabled_at} (${d.fr})`, en: `${nameEn} enabled from ${a.enabled_at} to ${a.disabled_at} (${d.en})` };
      const match = windowFor(from, a.account);
      if (!match) return { status: 'fail', pointer, fr: `${span.fr}, hors de toute fenêtre approuvée`, en: `${span.en}, outside any approved window` };
      if (to - from > p.max_enabled_hours * HOUR_MS) {
        return { status: 'fail', pointer, fr: `${span.fr}, plus de ${p.max_enabled_hours} h`, en: `${span.en}, more than ${p.max_enabled_hours} h` };
      }
      if (to > match.end + graceMs) {
        return { status: 'fail', pointer, fr: `${span.fr}, au-delà de la fin de la fenêtre ${match.w.ticket} + ${p.grace_minutes} min`, en: `${span.en}, past the end of window ${match.w.ticket} + ${p.grace_minutes} min` };
      }
      return { status: 'pass', pointer, fr: `${span.fr}, fenêtre ${match.w.ticket}`, en: `${span.en}, window ${match.w.ticket}` };
    }
    const tunnels = tma.tunnels;
    if (isUnavailable(tunnels)) {
      findings.push({ status: 'unknown', pointer: '/telemaintenance/tunnels', fr: `tunnels non lus (${tunnels.unavailable})`, en: `tunnels not read (${tunnels.unavailable})` });
    } else {
      tunnels.forEach((t, i) => findings.push(judgeTunnel(t, `/telemaintenance/tunnels/${i}`)));
    }
    function judgeTunnel(t: Tunnel, pointer: string): Finding {
      // An opening whose time does not parse (a leap second passes the format) cannot be placed
      // in or out of a window: unknown, unless another opening already fails.
      let unreadable: number | undefined;
      for (const [j, e] of t.events.entries()) {
        if (e.event !== 'up') continue;
        const at = Date.parse(e.at);
        if (Number.isNaN(at)) {
          unreadable ??= j;
          continue;
        }
        if (now - at > lookbackMs) continue;
        if (!windowFor(at, null)) {
          return { status: 'fail', pointer: `${pointer}/events/${j}`, fr: `tunnel ${t.name} établi à ${e.at} sans fenêtre approuvée`, en: `tunnel ${t.name} established at ${e.at} with no approved window` };
        }
      }
      if (unreadable !== undefined) {
        const at = t.events[unreadable]?.at ?? '';
        return { status: 'unknown', pointer: `${pointer}/events/${unreadable}`, fr: `tunnel ${t.name} : heure d'établissement illisible (${at})`, en: `tunnel ${t.name}: opening time does not parse (${at})` };
      }
      if (t.state === 'up') {
        const open = windows.find(({ start, end }) => start <= now && now <= end + graceMs);
        if (!open) return { status: 'fail', pointer, fr: `tunnel ${t.name} ouvert hors fenêtre approuvée`, en: `tunnel ${t.name} up outside any approved window` };
        return { status: 'pass', pointer, fr: `tunnel ${t.name} ouvert dans la fenêtre ${open.w.ticket}`, en: `tunnel ${t.name} up within window ${open.w.ticket}` };
      }
      return { status: 'pass', pointer, fr: `tunnel ${t.name} fermé`, en: `tunnel ${t.name} down` };
    }
    if (findings.length === 0) {
      return passOutcome({ fr: 'Aucun compte fournisseur ni tunnel sur la passerelle.', en: 'No vendor account or tunnel on the gateway.' }, ['/telemaintenance/vendor_accounts', '/telemaintenance/tunnels'], threshold);
    }
    return findings;
  },
});

// ---------------------------------------------------------------- TMA-03

// TMA-03: one dedicated account per maintained device (an account name used for several devices
// = fail), no reused credential (flag computed on the gateway: no secret, no hash leaves it;
// null = unknown), vendor authentication MFA or a one-time password valid strictly less than
// otp_max_validity_hours (the catalogue writes "< 24 h": exactly 24 h fails). Other methods = fail.
export const Tma03Parameters = Type.Object(
  { otp_max_validity_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }) },
  strict,
);

export const tma03 = defineFindingsRule({
  id: 'TMA-03',
  section: 'network',
  parameters: Tma03Parameters,
  threshold: (p) => `one account per device; no reused credential; MFA or one-time password valid < ${p.otp_max_validity_hours} h`,
  leads: {
    pass: ['Comptes dédiés par équipement et authentification forte', 'Dedicated per-device accounts and strong authentication'],
    unknown: ['Comptes par équipement non établis', 'Per-device accounts not established'],
    fail: ['Compte partagé, secret réutilisé ou authentification faible', 'Shared account, reused credential or weak authentication'],
  },
  check(report, p, context, threshold) {
    const tma = report.telemaintenance;
    if (!isReported(tma)) return missingEvidence(tma, '/telemaintenance', TMA_WHAT, threshold);
    const accounts = tma.device_accounts;
    if (isUnavailable(accounts)) return missingEvidence(accounts, '/telemaintenance/device_accounts', { fr: 'Comptes par équipement', en: 'Per-device accounts' }, threshold);
    if (accounts.length === 0) {
      return {
        status: 'unknown',
        explanation: { fr: 'Aucun compte par équipement rapporté : les comptes du fournisseur ne peuvent pas être vérifiés.', en: 'No per-device account reported: the vendor accounts cannot be checked.' },
        evidence: ['/telemaintenance/device_accounts'],
        threshold,
      };
    }
    const devicesOf = new Map<string, Set<string>>();
    for (const a of accounts) devicesOf.set(a.account, (devicesOf.get(a.account) ?? new Set()).add(a.device));
    const findings: Finding[] = accounts.map((a, i) => {
      const pointer = `/telemaintenance/device_accounts/${i}`;
      const name = `${a.account}@${a.device}`;
      const devices = devicesOf.get(a.account) ?? new Set();
      if (devices.size > 1) {
        return { status: 'fail', pointer, fr: `${name} : compte partagé entre ${devices.size} équipements`, en: `${name}: account shared by ${devices.size} devices` };
      }
      if (a.credential_reused === true) return { status: 'fail', pointer, fr: `${name} : secret réutilisé ailleurs`, en: `${name}: credential reused elsewhere` };
      if (a.auth === 'mfa') {
        return a.credential_reused === null
          ? { status: 'unknown', pointer, fr: `${name} : MFA, réutilisation du secret inconnue`, en: `${name}: MFA, credential reuse unknown` }
          : { status: 'pass', pointer, fr: `${name} : MFA, secret unique`, en: `${name}: MFA, unique credential` };
      }
      if (a.auth === 'one-time-password') {
        if (a.otp_validity_hours === null) return { status: 'unknown', pointer, fr: `${name} : durée de validité du mot de passe à usage unique inconnue`, en: `${name}: one-time password validity unknown` };
        if (a.otp_validity_hours >= p.otp_max_validity_hours) {
          return { status: 'fail', pointer, fr: `${name} : mot de passe à usage unique valable ${a.otp_validity_hours} h (>= ${p.otp_max_validity_hours} h)`, en: `${name}: one-time password valid ${a.otp_validity_hours} h (>= ${p.otp_max_validity_hours} h)` };
        }
        return a.credential_reused === null
          ? { status: 'unknown', pointer, fr: `${name} : réutilisation du secret inconnue`, en: `${name}: credential reuse unknown` }
          : { status: 'pass', pointer, fr: `${name} : mot de passe à usage unique valable ${a.otp_validity_hours} h`, en: `${name}: one-time password valid ${a.otp_validity_hours} h` };
      }
      return { status: 'fail', pointer, fr: `${name} : authentification ${a.auth} sans second facteur`, en: `${name}: ${a.auth} authentication without a second factor` };
    });
    return findings;
  },
});

// ---------------------------------------------------------------- TMA-04

// TMA-04: log forwarding active (last shipped event age <= max_forwarding_age_hours); the
// collector's retention (declared: `collector_retention_days`, null = unknown) >= min_retention_days
// (fail below) and >= recommended_retention_days (warn below); sessions whose end (or start, while
// open) is older than report_due_days without a linked intervention report = warn.
export const Tma04Parameters = Type.Object(
  {
    max_forwarding_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }),
    collector_retention_days: Type.Union([Type.Integer({ minimum: 0, maximum: 36_600 }), Type.Null()]),
    min_retention_days: Type.Integer({ minimum: 1, maximum: 36_600 }),
    recommended_retention_days: Type.Integer({ minimum: 1, maximum: 36_600 }),
    report_due_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }),
  },
  strict,
);

export const tma04 = defineRule({
  id: 'TMA-04',
  section: 'network',
  parameters: Tma04Parameters,
  extraParameterErrors: (p) =>
    p.min_retention_days <= p.recommended_retention_days
      ? []
      : [`min_retention_days (${p.min_retention_days}) must not exceed recommended_retention_days (${p.recommended_retention_days})`],
  check(report, p, context): RuleOutcome {
    const threshold =
      `last shipped event <= ${p.max_forwarding_age_hours} h; collector retention >= ${p.min_retention_days} d ` +
      `(warn < ${p.recommended_retention_days} d); sessions older than ${p.report_due_days} d have a report (else warn)`;
    const tma = report.telemaintenance;
    if (!isReported(tma)) return missingEvidence(tma, '/telemaintenance', TMA_WHAT, threshold);
    const findings: Finding[] = [];
    const fwd = tma.log_forwarding;
    const f = '/telemaintenance/log_forwarding';
    if (isUnavailable(fwd)) findings.push({ status: 'unknown', pointer: f, fr: `transfert des journaux non observable (${fwd.unavailable})`, en: `log forwarding not observable (${fwd.unavailable})` });
    else if (fwd.last_shipped_at === null) findings.push({ status: 'fail', pointer: f, fr: `aucun événement transmis à ${fwd.target}`, en: `no event ever shipped to ${fwd.target}` });
    else {
      const age = ageAt(fwd.last_shipped_at, context.now);
      if (age === null) findings.push({ status: 'unknown', pointer: f, fr: `date du dernier envoi incohérente (${fwd.last_shipped_at})`, en: `implausible last shipped time (${fwd.last_shipped_at})` });
      else {
        const d = formatDuration(age);
        findings.push(
          age <= p.max_forwarding_age_hours * HOUR_MS
            ? { status: 'pass', pointer: f, fr: `dernier événement transmis à ${fwd.target} il y a ${d.fr}`, en: `last event shipped to ${fwd.target} ${d.en} ago` }
            : { status: 'fail', pointer: f, fr: `dernier événement transmis à ${fwd.target} il y a ${d.fr} (> ${p.max_forwarding_age_hours} h)`, en: `last event shipped to ${fwd.target} ${d.en} ago (> ${p.max_forwarding_age_hours} h)` },
        );
      }
    }
    const r = p.collector_retention_days;
    const rp = '/telemaintenance/log_forwarding/target';
    if (r === null) findings.push({ status: 'unknown', pointer: rp, fr: 'rétention du collecteur non déclarée (paramètre collector_retention_days)', en: 'collector retention not declared (parameter collector_retention_days)' });
    else if (r < p.min_retention_days) findings.push({ status: 'fail', pointer: rp, fr: `rétention du collecteur ${r} j < ${p.min_retention_days} j`, en: `collector retention ${r} d < ${p.min_retention_days} d` });
    else if (r < p.recommended_retention_days) findings.push({ status: 'warn', pointer: rp, fr: `rétention du collecteur ${r} j < ${p.recommended_retention_days} j recommandés`, en: `collector retention ${r} d < the recommended ${p.recommended_retention_days} d` });
    else findings.push({ status: 'pass', pointer: rp, fr: `rétention du collecteur ${r} j`, en: `collector retention ${r} d` });
    const sessions = tma.sessions;
    if (isUnavailable(sessions)) {
      findings.push({ status: 'unknown', pointer: '/telemaintenance/sessions', fr: `sessions non lues (${sessions.unavailable})`, en: `sessions not read (${sessions.unavailable})` });
    } else {
      const dueMs = p.report_due_days * DAY_MS;
      const late = sessions
        .map((s, i) => ({ s, i, age: ageAt(s.ended_at ?? s.started_at, context.now) }))
        .filter(({ s, age }) => s.report_id === null && age !== null && age > dueMs);
      for (const { s, i } of late) {
        findings.push({ status: 'warn', pointer: `/telemaintenance/sessions/${i}`, fr: `session ${s.session_id} (${s.account}, ${s.started_at}) sans rapport d'intervention après ${p.report_due_days} j`, en: `session ${s.session_id} (${s.account}, ${s.started_at}) has no intervention report after ${p.report_due_days} d` });
      }
      if (late.length === 0) findings.push({ status: 'pass', pointer: '/telemaintenance/sessions', fr: `${sessions.length} session(s), rapports à jour`, en: `${sessions.length} session(s), reports up to date` });
    }
    return summarise(findings, {
      pass: ['Traçabilité centralisée et rapports à jour', 'Central logging and reports up to date'],
      warn: ['Traçabilité à compléter', 'Traceability to be completed'],
      unknown: ['Traçabilité non établie', 'Traceability not established'],
      fail: ['Journaux non centralisés ou conservés trop peu', 'Logs not centralised or kept too briefly'],
    }, threshold);
  },
});

// ---------------------------------------------------------------- TMA-05

// TMA-05: per tunnel: IPsec IKEv2 + certificates = pass; TLS VPN >= min_tls_version + client
// certificate = pass; PSK = warn; cleartext or no authentication = fail; TLS below the minimum =
// fail; any other combination (IKEv1, SSH, password...) = warn: not one of the accepted channels.
// No tunnel reported = unknown (the vendor channel cannot be identified).
export const Tma05Parameters = Type.Object(
  { min_tls_version: Type.Union([Type.Literal('1.2'), Type.Literal('1.3')]) },
  strict,
);

function tlsAtLeast(version: string, minimum: string): boolean | null {
  const m = /^(?:tls\s*v?)?(\d+)\.(\d+)$/i.exec(version.trim());
  if (!m) return null;
  const [major, minor] = minimum.split('.').map(Number) as [number, number];
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

export const tma05 = defineFindingsRule({
  id: 'TMA-05',
  section: 'network',
  parameters: Tma05Parameters,
  threshold: (p) => `IPsec IKEv2 + certificates or TLS >= ${p.min_tls_version} + client certificate = pass; PSK = warn; cleartext or unauthenticated = fail`,
  leads: {
    pass: ['Canal chiffré à authentification mutuelle', 'Encrypted, mutually authenticated channel'],
    warn: ['Canal à renforcer', 'Channel to be strengthened'],
    unknown: ['Canal non établi', 'Channel not established'],
    fail: ['Canal en clair, non authentifié ou TLS obsolète', 'Cleartext, unauthenticated or outdated-TLS channel'],
  },
  check(report, p, context, threshold) {
    const tma = report.telemaintenance;
    if (!isReported(tma)) return missingEvidence(tma, '/telemaintenance', TMA_WHAT, threshold);
    const tunnels = tma.tunnels;
    if (isUnavailable(tunnels)) return missingEvidence(tunnels, '/telemaintenance/tunnels', { fr: 'Tunnels', en: 'Tunnels' }, threshold);
    if (tunnels.length === 0) {
      return {
        status: 'unknown',
        explanation: { fr: "Aucun tunnel rapporté : le canal du fournisseur n'est pas identifié.", en: 'No tunnel reported: the vendor channel is not identified.' },
        evidence: ['/telemaintenance/tunnels'],
        threshold,
      };
    }
    const findings: Finding[] = tunnels.map((t, i) => {
      const pointer = `/telemaintenance/tunnels/${i}`;
      const name = `${t.name} (${t.type}, ${t.authentication}${t.tls_version ? `, TLS ${t.tls_version}` : ''})`;
      if (t.type === 'cleartext' || t.authentication === 'none') return { status: 'fail', pointer, fr: `${name} : en clair ou sans authentification`, en: `${name}: cleartext or unauthenticated` };
      if (t.type === 'tls-vpn') {
        if (t.tls_version === null) return { status: 'unknown', pointer, fr: `${name} : version TLS inconnue`, en: `${name}: TLS version unknown` };
        const ok = tlsAtLeast(t.tls_version, p.min_tls_version);
        if (ok === null) return { status: 'unknown', pointer, fr: `${name} : version TLS illisible`, en: `${name}: unreadable TLS version` };
        if (!ok) return { status: 'fail', pointer, fr: `${name} : TLS < ${p.min_tls_version}`, en: `${name}: TLS < ${p.min_tls_version}` };
      }
      if (t.authentication === 'psk') return { status: 'warn', pointer, fr: `${name} : clé prépartagée seule`, en: `${name}: pre-shared key only` };
      if (t.authentication === 'certificate' && (t.type === 'ipsec-ikev2' || t.type === 'tls-vpn')) {
        return { status: 'pass', pointer, fr: `${name} : chiffré, authentification mutuelle par certificats`, en: `${name}: encrypted, mutual certificate authentication` };
      }
      return { status: 'warn', pointer, fr: `${name} : canal hors des modèles acceptés`, en: `${name}: not one of the accepted channels` };
    });
    return findings;
  },
});

// ---------------------------------------------------------------- TMA-06

// TMA-06: every observed outbound flow to an internal address (`internal_ranges`; loopback and
// link-local excluded) matches a maintained device's declared flow or an infrastructure service
// (log collector, NTP, DNS, admin hosts): destination address/CIDR, and ports / protocol when
// given. Anything else = fail. No declared flow = unknown (the flow matrix is site data).
const FlowDeclaration = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    destination: Type.String({ minLength: 1, maxLength: 64 }),
    ports: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 65535 }), { maxItems: 64 })),
    protocol: Type.Optional(ProtocolParam),
  },
  strict,
);
export const Tma06Parameters = Type.Object(
  {
    internal_ranges: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 }),
    declared_flows: Type.Array(FlowDeclaration, { maxItems: 1000 }),
    infrastructure: Type.Array(FlowDeclaration, { maxItems: 256 }),
  },
  strict,
);

export const tma06 = defineRule({
  id: 'TMA-06',
  section: 'network',
  parameters: Tma06Parameters,
  extraParameterErrors: (p) => [
    ...networkErrors('internal_ranges', p.internal_ranges),
    ...networkErrors('declared_flows', p.declared_flows.map((f) => f.destination)),
    ...networkErrors('infrastructure', p.infrastructure.map((f) => f.destination)),
  ],
  check(report, p): RuleOutcome {
    const threshold = 'internal destinations within the maintained devices\' declared flows and the infrastructure services (log collector, NTP, DNS, admin hosts)';
    const network = report.network;
    const outbound = network.outbound;
    if (isUnavailable(outbound)) return missingEvidence(outbound, '/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, threshold);
    if (p.declared_flows.length === 0) {
      return {
        status: 'unknown',
        explanation: {
          fr: 'Matrice de flux des équipements maintenus non déclarée (paramètre declared_flows) : destinations internes non vérifiables.',
          en: "The maintained devices' flow matrix is not declared (parameter declared_flows): internal destinations cannot be checked.",
        },
        evidence: ['/network/outbound/flows'],
        threshold,
      };
    }
    const internal = p.internal_ranges.map(parseNetwork).filter((n): n is Network => n !== null);
    const declared = [...p.declared_flows, ...p.infrastructure].map((d) => ({ d, net: parseNetwork(d.destination) }));
    const unexpected = new Map<string, number>();
    let judged = 0;
    outbound.flows.forEach((flow, i) => {
      const ip = canonicalIp(flow.remote_address);
      if (!ip.ok) return;
      const range = ip.value.range();
      if (range === 'loopback' || range === 'linkLocal' || !internal.some((n) => contains(n, ip.value))) return;
      judged += 1;
      const allowed = declared.some(
        ({ d, net }) =>
          net !== null && contains(net, ip.value) && (!d.ports || d.ports.includes(flow.remote_port)) && (!d.protocol || d.protocol === flow.protocol),
      );
      const key = `${flow.protocol} ${flow.remote_address}:${flow.remote_port}`;
      if (!allowed && !unexpected.has(key)) unexpected.set(key, i);
    });
    if (unexpected.size === 0) {
      return passOutcome({ fr: `${judged} flux interne(s) observé(s) de ${outbound.window_start} à ${outbound.window_end}, tous déclarés.`, en: `${judged} internal flow(s) observed from ${outbound.window_start} to ${outbound.window_end}, all declared.` }, ['/network/outbound/flows'], threshold);
    }
    const findings: Finding[] = [...unexpected].map(([key, i]) => ({
      status: 'fail',
      pointer: `/network/outbound/flows/${i}`,
      fr: `${key} (${outbound.flows[i]?.process ?? '?'})`,
      en: `${key} (${outbound.flows[i]?.process ?? '?'})`,
    }));
    const listed = listFindings(findings);
    return {
      status: 'fail',
      explanation: {
        fr: `La passerelle joint des destinations internes non déclarées : ${listed.fr}.`,
        en: `The gateway reaches undeclared internal destinations: ${listed.en}.`,
      },
      evidence: findings.map((f) => f.pointer),
      threshold,
    };
  },
});
