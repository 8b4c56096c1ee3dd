// What the Destinations page reads: its filter from GET parameters (a URL is a view to bookmark;
// a value that is not one the page offers is dropped, never an error), the filter as a query
// string again, and the inventory grouped by registrable domain for the filter.
import { HOST_ROLES } from '../../../policies/evidence.js';
import type { Database } from '../../db/schema.js';
import { filterInventory, type InventoryFilter } from '../../inventory/query.js';
import { INVENTORY_VERDICTS, type InventoryVerdict } from '../../inventory/verdict.js';

/** Source filters offered: a prefix of the `sources` keys (agent, agent:<name source>, proxy:<format>). */
export const SOURCE_FILTERS = ['agent', 'proxy', 'proxy:squid', 'proxy:stormshield'] as const;
export const DOMAIN_GROUPS = 20;

export interface DestinationsView extends InventoryFilter {
  /** The entries section shows only entries unused for 90 days. */
  unused?: boolean;
}

const SITE = /^[A-Za-z0-9._-]{1,64}$/;
const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() !== '' && value.length <= max ? value.trim() : undefined);

export function destinationsViewOf(query: Record<string, string | undefined>): DestinationsView {
  const view: DestinationsView = {};
  const site = text(query.site, 64);
  if (site !== undefined && SITE.test(site)) view.site = site;
  if ((HOST_ROLES as readonly string[]).includes(query.role ?? '')) view.role = query.role!;
  if ((INVENTORY_VERDICTS as readonly string[]).includes(query.verdict ?? '')) view.verdict = query.verdict as InventoryVerdict;
  if ((SOURCE_FILTERS as readonly string[]).includes(query.source ?? '')) view.source = query.source!;
  const q = text(query.q, 253);
  if (q !== undefined) view.q = q;
  const domain = text(query.domain, 253);
  if (domain !== undefined) view.domain = domain;
  if (query.unlisted === '1') view.unlisted = true;
  if (query.unused === '1') view.unused = true;
  return view;
}

export function inventoryFilterOf(view: DestinationsView): InventoryFilter {
  const { unused: _unused, ...filter } = view;
  return filter;
}

export function destinationsQuery(view: DestinationsView, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of ['site', 'role', 'verdict', 'source', 'q', 'domain'] as const) {
    const value = view[key];
    if (value !== undefined) params.set(key, value);
  }
  if (view.unlisted === true) params.set('unlisted', '1');
  if (view.unused === true) params.set('unused', '1');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const out = params.toString();
  return out === '' ? '' : `?${out}`;
}

export interface DomainGroup {
  /** Registrable domain; null for destinations known only by address. */
  domain: string | null;
  destinations: number;
  /** Of which NET-01 does not allow (unlisted or name unknown). */
  outside: number;
}

/** The DOMAIN_GROUPS domains with most destinations under the filter. */
export async function domainGroups(db: Database, filter: InventoryFilter): Promise<DomainGroup[]> {
  const rows = await filterInventory(
    db
      .selectFrom('inventory_destinations')
      .select((eb) => [
        'domain',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.case().when('verdict', 'in', ['unlisted', 'name_unknown']).then(1).else(0).end()).as('outside'),
      ])
      .groupBy('domain'),
    filter,
  )
    .orderBy('n', 'desc')
    .orderBy('domain')
    .limit(DOMAIN_GROUPS)
    .execute();
  return rows.map((r) => ({ domain: r.domain, destinations: Number(r.n), outside: Number(r.outside) }));
}

/** Sites that have inventory or hosts (the filter's and the learning form's choices). */
export async function inventorySites(db: Database): Promise<string[]> {
  const fromInventory = await db.selectFrom('inventory_destinations').select('site').distinct().execute();
  const fromSites = await db.selectFrom('sites').select('site').execute();
  return [...new Set([...fromInventory, ...fromSites].map((r) => r.site))].sort();
}
