// Which host holds an address, from the addresses agents report (network.local_addresses): how
// proxy-log client addresses are mapped to hosts. The latest report wins (DHCP moves addresses);
// an address no agent reports stays unmapped, never guessed.
import { canonicalIp } from '../../policies/allowlist.js';
import { isUnavailable, type Report } from '../../policies/evidence.js';
import { fromDbTime, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';

export function reportAddresses(report: Report): string[] {
  const network = report.network;
  if (isUnavailable(network) || network.local_addresses === undefined || isUnavailable(network.local_addresses)) return [];
  return network.local_addresses.flatMap((a) => {
    const ip = canonicalIp(a);
    return ip.ok ? [ip.value.toString()] : [];
  });
}

export async function recordHostAddresses(db: Database, addresses: ReadonlyMap<string, { host_id: string; site: string; role: string; seen_at: string }>): Promise<void> {
  for (const [address, h] of addresses) {
    const values = { host_id: h.host_id, site: h.site, role: h.role, seen_at: toDbTime(h.seen_at) };
    const known = await db.selectFrom('inventory_host_addresses').select('seen_at').where('address', '=', address).executeTakeFirst();
    if (known === undefined) await db.insertInto('inventory_host_addresses').values({ address, ...values }).execute();
    else if (fromDbTime(known.seen_at) <= values.seen_at) await db.updateTable('inventory_host_addresses').set(values).where('address', '=', address).execute();
  }
}

export interface MappedHost {
  host_id: string;
  site: string;
  role: string;
}

/** Address -> host, for the whole fleet (loaded once per import; one row per address). */
export async function loadHostAddresses(db: Database): Promise<Map<string, MappedHost>> {
  const rows = await db.selectFrom('inventory_host_addresses').select(['address', 'host_id', 'site', 'role']).execute();
  return new Map(rows.map((r) => [r.address, { host_id: r.host_id, site: r.site, role: r.role }]));
}
