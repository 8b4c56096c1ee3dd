// Learning mode's proposals (../shared/DESTINATIONS.md): from the inventory of one (site, role),
// the unlisted destinations seen on MIN_DAYS days or more become complete allowlist entries, as
// narrow as the evidence allows:
// - the exact name, with exactly the ports seen; `hosts:` when only a few hosts of the role use it;
// - an address /32 (/128) only when no name was ever seen at it in this scope (a CDN address also
//   reached by name is the name's business: a CIDR would open the CDN to every other tenant);
// - a wildcard `*.zone` only when zone is one label or more below the registrable domain and at
//   least WILDCARD_MIN_NAMES names were seen directly under it;
// - never port-only, never 0/0, never a name that no forward resolution or proxy gave (a PTR name
//   is a claim by the address owner, not what the host asked for);
// - a browser reaching the Internet directly on 80/443 is proposed as "via-proxy" (an advice to
//   route it through the proxy), not as an entry to approve.
// Each entry is linted (policies/lint.ts) before it is returned: one that fails is dropped, so a
// proposal never needs fixing before approval. Pure: no database, no clock but `now`.
import { createHash } from 'node:crypto';
import { getDomain } from 'tldts';
import { stringify } from 'yaml';
import { canonicalIp, type AllowlistEntry } from '../../../policies/allowlist.js';
import { NAME_SOURCES, type HostRole } from '../../../policies/evidence.js';
import { lintAllowlistText } from '../../../policies/lint.js';

/** A destination must have been seen on this many distinct days to be proposed. */
export const MIN_DAYS = 2;
/** A wildcard needs at least this many distinct names directly under its zone. */
export const WILDCARD_MIN_NAMES = 5;
/** `hosts:` is set when at most this many hosts use a destination (and under half the role's hosts). */
export const FEW_HOSTS = 3;
/** Default lifetime of a proposed entry (the approver may shorten it; lint caps at 365). */
export const DEFAULT_ENTRY_DAYS = 180;
const DAY_MS = 86_400_000;

/** Process names of browsers (lower case, with and without .exe). */
const BROWSERS = new Set(['chrome', 'chrome.exe', 'msedge', 'msedge.exe', 'firefox', 'firefox.exe', 'firefox-esr', 'iexplore.exe', 'chromium', 'chromium-browser', 'brave', 'brave.exe', 'opera', 'opera.exe']);
const WEB_PORTS = new Set([80, 443]);

/** What the proposer reads of an inventory row. */
export interface ObservedDestination {
  destination: string;
  kind: string;
  domain: string | null;
  port: number;
  protocol: string;
  direction: string;
  hosts_count: number;
  hosts_sample: readonly string[];
  processes: Readonly<Record<string, number>>;
  sources: Readonly<Record<string, number>>;
  addresses: readonly string[];
  days_seen: number;
  first_seen: string;
  last_seen: string;
  verdict: string;
}

export interface ProposalScope {
  site: string;
  role: HostRole;
  /** Enrolled hosts of this role at this site (for "only a few hosts"). */
  roleHosts: number;
  /** Default owner written in the entry (the person who opened learning); the approver sets the real one. */
  owner: string;
  now: Date;
  /** Keys (`match|port|proto`) already proposed (pending or rejected): not proposed again. */
  alreadyProposed: ReadonlySet<string>;
}

/** `remove`: an unused learned entry (./removals.ts). */
export type ProposalKind = 'allow' | 'via-proxy' | 'remove';

export interface ProposalEvidence {
  /** The inventory rows behind the proposal, as `match|port|proto` keys. */
  keys: string[];
  destinations: string[];
  hosts_count: number;
  days_seen: number;
  first_seen: string;
  last_seen: string;
  sources: string[];
  processes: string[];
}

export interface ProposalDraft {
  proposal_id: string;
  kind: ProposalKind;
  /** `match|proto|ports`, e.g. `fqdn:api.vendor.fr|tcp|443`. */
  subject: string;
  entry: AllowlistEntry;
  evidence: ProposalEvidence;
}

/** The key of one observed (match, port, protocol). */
export const observationKey = (match: string, port: number, protocol: string) => `${match}|${port}|${protocol}`;

/** True when a name came from a forward resolution the agent saw, or from the proxy's request line. */
export function trustedNameSource(source: string): boolean {
  if (source.startsWith('proxy:')) return true;
  const m = /^agent:([a-z-]+)\/(exact|inferred|cache)$/.exec(source);
  return m !== null && (NAME_SOURCES as readonly string[]).includes(m[1] ?? '');
}

export function isBrowser(process: string): boolean {
  const base = process.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  return BROWSERS.has(base);
}

const isRealHost = (key: string) => key !== '' && !key.startsWith('unmapped:') && /^[A-Za-z0-9._:-]{1,253}$/.test(key);

export function proposalId(site: string, role: string, subject: string): string {
  return `P-${createHash('sha256').update(`${site}\u0000${role}\u0000${subject}`).digest('hex').slice(0, 12).toUpperCase()}`;
}

function hostCidr(address: string): string | null {
  const ip = canonicalIp(address);
  if (!ip.ok) return null;
  return `${ip.value.toString()}/${ip.value.kind() === 'ipv4' ? 32 : 128}`;
}

/** The entry text lints clean on its own. */
export function entryLints(entry: AllowlistEntry): boolean {
  return lintAllowlistText(stringify({ entries: [entry] }), 'proposal').length === 0;
}

interface Group {
  match: { fqdn: string } | { cidr: string };
  matchText: string;
  protocol: 'tcp' | 'udp';
  rows: ObservedDestination[];
  kind: ProposalKind;
}

/** Proposals for one (site, role) from its inventory rows. */
export function proposeDestinations(rows: readonly ObservedDestination[], scope: ProposalScope): ProposalDraft[] {
  // Every address a name was seen at, whatever its verdict: never proposed as a CIDR.
  const namedAddresses = new Set<string>();
  for (const r of rows) if (r.kind === 'name') for (const a of r.addresses) namedAddresses.add(a);

  const candidates = rows.filter(
    (r) =>
      (r.verdict === 'unlisted' || r.verdict === 'name_unknown') &&
      r.direction === 'egress' &&
      (r.protocol === 'tcp' || r.protocol === 'udp') &&
      Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535 &&
      r.days_seen >= MIN_DAYS,
  );

  const groups = new Map<string, Group>();
  const add = (match: Group['match'], matchText: string, row: ObservedDestination, kind: ProposalKind) => {
    if (scope.alreadyProposed.has(observationKey(matchText, row.port, row.protocol))) return;
    const key = `${kind}|${matchText}|${row.protocol}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { match, matchText, protocol: row.protocol as 'tcp' | 'udp', rows: [], kind }));
    g.rows.push(row);
  };

  // Names: trusted sources only; browsers on web ports are routed to the proxy advice.
  const names = candidates.filter((r) => r.kind === 'name' && Object.keys(r.sources).some(trustedNameSource));
  const direct = (r: ObservedDestination) => WEB_PORTS.has(r.port) && Object.keys(r.processes).some(isBrowser) && Object.keys(r.sources).some((s) => s.startsWith('agent'));
  // Wildcard zones: a zone strictly below the registrable domain with enough distinct names under it.
  const byZone = new Map<string, Set<string>>();
  for (const r of names) {
    if (direct(r)) continue;
    const dot = r.destination.indexOf('.');
    if (dot < 0) continue;
    const zone = r.destination.slice(dot + 1);
    const registrable = getDomain(zone, { allowPrivateDomains: true });
    if (registrable === null || zone === registrable || !zone.endsWith(`.${registrable}`)) continue;
    const set = byZone.get(`${zone}|${r.port}|${r.protocol}`) ?? new Set<string>();
    set.add(r.destination);
    byZone.set(`${zone}|${r.port}|${r.protocol}`, set);
  }
  for (const r of names) {
    if (direct(r)) {
      add({ fqdn: r.destination }, `fqdn:${r.destination}`, r, 'via-proxy');
      continue;
    }
    const zone = r.destination.slice(r.destination.indexOf('.') + 1);
    const under = byZone.get(`${zone}|${r.port}|${r.protocol}`);
    if (under !== undefined && under.size >= WILDCARD_MIN_NAMES) add({ fqdn: `*.${zone}` }, `fqdn:*.${zone}`, r, 'allow');
    else add({ fqdn: r.destination }, `fqdn:${r.destination}`, r, 'allow');
  }
  // Addresses never seen with a name.
  for (const r of candidates) {
    if (r.kind !== 'address' || namedAddresses.has(r.destination)) continue;
    const cidr = hostCidr(r.destination);
    if (cidr === null) continue;
    add({ cidr }, `cidr:${cidr}`, r, 'allow');
  }

  const drafts: ProposalDraft[] = [];
  for (const g of groups.values()) {
    const ports = [...new Set(g.rows.map((r) => r.port))].sort((a, b) => a - b).slice(0, 64);
    const rows = g.rows.filter((r) => ports.includes(r.port));
    const subject = `${g.matchText}|${g.protocol}|${ports.join(',')}`;
    const id = proposalId(scope.site, scope.role, `${g.kind}|${subject}`);
    const hostsSeen = new Set(rows.flatMap((r) => r.hosts_sample));
    const hostsCount = Math.max(...rows.map((r) => r.hosts_count));
    const sampleComplete = rows.every((r) => r.hosts_sample.length >= r.hosts_count);
    const few = sampleComplete && hostsSeen.size <= FEW_HOSTS && hostsSeen.size * 2 <= scope.roleHosts && [...hostsSeen].every(isRealHost);
    const days = Math.max(...rows.map((r) => r.days_seen));
    const processes = [...new Set(rows.flatMap((r) => Object.keys(r.processes)))].sort().slice(0, 10);
    const sources = [...new Set(rows.flatMap((r) => Object.keys(r.sources)))].sort().slice(0, 10);
    const destinations = [...new Set(rows.map((r) => r.destination))].sort();
    const approved = scope.now;
    const expires = new Date(approved.getTime() + DEFAULT_ENTRY_DAYS * DAY_MS);
    const what = g.kind === 'via-proxy' ? 'Direct browser flow, should go through the proxy' : 'Observed in learning mode';
    const entry: AllowlistEntry = {
      id: `learned-${id.slice(2).toLowerCase()}`,
      match: g.match,
      ports,
      proto: g.protocol,
      direction: 'egress',
      roles: [scope.role],
      purpose: `${what} at ${scope.site} (${scope.role}): ${destinations.length > 1 ? `${destinations.length} names` : destinations[0]}, ${hostsCount} host(s), ${days} day(s)${processes.length > 0 ? `, ${processes.slice(0, 3).join(', ')}` : ''}`.slice(0, 500),
      owner: scope.owner.slice(0, 128),
      approved_at: approved.toISOString(),
      expires_at: expires.toISOString(),
      ticket: id,
      ...(few ? { hosts: [...hostsSeen].sort() } : {}),
    };
    if (!entryLints(entry)) continue;
    drafts.push({
      proposal_id: id,
      kind: g.kind,
      subject,
      entry,
      evidence: {
        keys: rows.map((r) => observationKey(g.matchText, r.port, r.protocol)),
        destinations: destinations.slice(0, 50),
        hosts_count: hostsCount,
        days_seen: days,
        first_seen: rows.map((r) => r.first_seen).sort()[0] ?? '',
        last_seen: rows.map((r) => r.last_seen).sort().at(-1) ?? '',
        sources,
        processes,
      },
    });
  }
  return drafts.sort((a, b) => a.subject.localeCompare(b.subject));
}
