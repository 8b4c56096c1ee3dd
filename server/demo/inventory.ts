// The demo's destinations (issue 18): the inventory fed from the simulated fleet's reports, a
// short Squid log of the GHT proxy imported through the real importer (browsers of the
// workstations agents report, plus one device no agent reports: kept as unmapped), learning
// opened for the scope with the most unlisted destinations and its nightly proposals made, so
// the Destinations page shows an inventory, a learning scope and pending proposals. The demo
// RSSI account signs the learning waiver; the demo script is the audit log's actor.
import type { HostRole } from '../../policies/evidence.js';
import type { Database } from '../db/schema.js';
import { feedInventory } from '../inventory/feed.js';
import { judgeOf, policyContextOf } from '../inventory/judge-context.js';
import { runLearningProposals } from '../inventory/learning/nightly.js';
import { openLearning } from '../inventory/learning/scopes.js';
import { ProxyImporter } from '../inventory/proxy/import.js';
import { DEMO_RSSI } from './dashboard-login.js';
import { GHT } from './fleet/sites.js';
/** What the workstations' browsers reach through the proxy (names as Squid logs them). */
const PROXIED = ['www.ameli.fr:443', 'dmp.sante.fr:443', 'portail.editeur-rh.example:443', 'cdn.visio-sante.example:443', 'meteo.example.org:443'];
/** A device without an agent (a biomedical gateway) behind the proxy. */
const UNMAPPED_CLIENT = '10.30.40.12';

export interface DemoDestinations {
  destinations: number;
  proxyLines: number;
  learning: string | null;
  proposals: number;
}

/** Squid native lines over the last two days: each mapped client reaches a few destinations each day. */
function squidLog(clients: string[], now: Date): string {
  const lines: string[] = [];
  for (const day of [1, 0]) {
    const base = now.getTime() / 1000 - day * 86_400 - 3600;
    clients.forEach((client, i) => {
      for (let k = 0; k < 3; k++) {
        const target = PROXIED[(i + k) % PROXIED.length]!;
        lines.push(`${(base + i * 7 + k).toFixed(3)}    245 ${client} TCP_TUNNEL/200 5120 CONNECT ${target} - HIER_DIRECT/${GHT.hdsObjectStorage.address} -`);
      }
    });
    lines.push(`${(base + 999).toFixed(3)}    120 ${UNMAPPED_CLIENT} TCP_MISS/200 880 GET http://maj.constructeur-biomed.example/firmware/latest?serial=SN123 - HIER_DIRECT/198.51.100.20 text/plain`);
  }
  return `${lines.join('\n')}\n`;
}

export async function demoDestinations(db: Database, dataDir: string, now: Date, timeZone: string): Promise<DemoDestinations> {
  const judge = judgeOf(policyContextOf(dataDir), now);
  await feedInventory(db, judge, 1000);

  // The proxy's log: the clients are workstation addresses the agents reported.
  const clients = (await db.selectFrom('inventory_host_addresses').select('address').where('role', '=', 'workstation').orderBy('address').limit(12).execute()).map((r) => r.address);
  const importer = new ProxyImporter({ db, judge, stream: 'demo:squid', format: 'squid', site: 'chi-vallee', identity: 'demo', startOffset: 0 });
  await importer.push(Buffer.from(squidLog(clients, now)));
  await importer.commit();

  // Learning where there is most to learn: the scope with the most unlisted destinations seen on 2 days.
  const scope = await db
    .selectFrom('inventory_destinations')
    .select(['site', 'role', db.fn.countAll<number>().as('n')])
    .where('verdict', 'in', ['unlisted', 'name_unknown'])
    .where('days_seen', '>=', 2)
    .where('role', '!=', 'unmapped')
    .groupBy(['site', 'role'])
    .orderBy('n', 'desc')
    .orderBy('site')
    .orderBy('role')
    .executeTakeFirst();
  let learning: string | null = null;
  let proposals = 0;
  if (scope !== undefined) {
    const until = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
    const opened = await openLearning(db, { site: scope.site, role: scope.role as HostRole, until, by: DEMO_RSSI, actor: { type: 'cli', id: 'demo' }, now, timeZone });
    learning = `${opened.site}/${opened.role} (${opened.scope_id})`;
    proposals = (await runLearningProposals(db, now)).proposed;
  }
  const rows = await db.selectFrom('inventory_destinations').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { destinations: Number(rows.n), proxyLines: importer.progress.lines, learning, proposals };
}
