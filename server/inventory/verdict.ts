// The allowlist verdict of an inventory row, with the allowlist's own matcher (the compiled
// index of the (site, role) pack, as NET-01 uses it): a name is allowed by its name or by one of
// the addresses it was seen at (NET-01 tries the FQDN, then the IP); an address by CIDR.
// Entries restricted to `hosts:` are judged per sampled host: allowed only when every sampled
// host is allowed. Internal destinations (the pack's internal_networks) are kept apart.
import { type AllowlistMatcher } from '../../policies/allowlist.js';
import { HOST_ROLES, type HostRole } from '../../policies/evidence.js';
import { allowlistIndexOf, internalNetworksOf, packFor, type Pack, type SiteOverlay } from '../../policies/pack.js';

export type InventoryVerdict = 'allowed' | 'expiring' | 'unlisted' | 'name_unknown' | 'internal';
export const INVENTORY_VERDICTS: readonly InventoryVerdict[] = ['allowed', 'expiring', 'unlisted', 'name_unknown', 'internal'];

/** An allowed destination whose entry expires within this many days is `expiring`. */
export const EXPIRING_DAYS = 30;

export interface JudgedRow {
  verdict: InventoryVerdict;
  entry: string | null;
  reason: string;
}

export interface RowToJudge {
  site: string;
  role: string;
  destination: string;
  kind: string;
  port: number;
  protocol: string;
  direction: string;
  addresses: readonly string[];
  hosts_sample: readonly string[];
}

export interface Judge {
  judge(row: RowToJudge): JudgedRow;
}

const isRole = (role: string): role is HostRole => (HOST_ROLES as readonly string[]).includes(role);

/** A judge over the packs and site overlays in force at `now`. */
export function inventoryJudge(packs: Map<string, Pack>, overlays: ReadonlyMap<string, SiteOverlay>, now: Date): Judge {
  const byScope = new Map<string, { pack: Pack; matcher: AllowlistMatcher; hostBound: boolean }>();
  const scope = (site: string, role: HostRole) => {
    const key = `${site}|${role}`;
    let s = byScope.get(key);
    if (!s) {
      const pack = packFor(role, site, packs, overlays);
      // Without an entry restricted to `hosts:`, every host of the sample gets the same answer.
      s = { pack, matcher: allowlistIndexOf(pack).at(now), hostBound: pack.allowlist.some((e) => e.hosts !== undefined) };
      byScope.set(key, s);
    }
    return s;
  };
  const soon = now.getTime() + EXPIRING_DAYS * 86_400_000;
  return {
    judge(row) {
      if (!isRole(row.role)) return { verdict: row.kind === 'name' ? 'unlisted' : 'name_unknown', entry: null, reason: 'proxy client not mapped to an enrolled host: no role to judge against' };
      const { pack, matcher, hostBound } = scope(row.site, row.role);
      const internal = internalNetworksOf(pack);
      const ips = row.kind === 'address' ? [row.destination] : row.addresses;
      if (row.kind === 'address' && internal.contains(row.destination) === true) return { verdict: 'internal', entry: null, reason: 'inside the declared internal networks' };
      if (row.kind === 'name' && ips.length > 0 && ips.every((ip) => internal.contains(ip) === true)) return { verdict: 'internal', entry: null, reason: 'every address seen is inside the declared internal networks' };
      const hosts = row.hosts_sample.length > 0 ? (hostBound ? row.hosts_sample : row.hosts_sample.slice(0, 1)) : [''];
      const proto = row.protocol === 'udp' ? 'udp' : 'tcp';
      const direction = row.direction === 'ingress' ? 'ingress' : 'egress';
      let entry: { id: string; expires_at: string } | null = null;
      let reason = '';
      for (const host of hosts) {
        const bound = matcher.bind(row.role, host === '' || host.startsWith('unmapped:') ? undefined : { host_id: host, hostname: host });
        let match = row.kind === 'name' ? bound.matchEndpoint({ host: row.destination, port: row.port, proto, direction }) : null;
        if (!match?.entry) {
          for (const ip of ips) {
            const byIp = bound.matchEndpoint({ ip, port: row.port, proto, direction });
            if (byIp.entry) {
              match = byIp;
              break;
            }
            match ??= byIp;
          }
        }
        if (!match?.entry) {
          reason = match?.reason ?? `no address seen for ${row.destination}`;
          entry = null;
          break;
        }
        if (entry === null || Date.parse(match.entry.expires_at) < Date.parse(entry.expires_at)) entry = { id: match.entry.id, expires_at: match.entry.expires_at };
        reason = match.reason;
      }
      if (entry === null) return { verdict: row.kind === 'name' ? 'unlisted' : 'name_unknown', entry: null, reason };
      if (Date.parse(entry.expires_at) <= soon) return { verdict: 'expiring', entry: entry.id, reason: `${reason}; expires ${entry.expires_at}` };
      return { verdict: 'allowed', entry: entry.id, reason };
    },
  };
}
