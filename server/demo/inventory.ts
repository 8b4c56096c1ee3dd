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
/**
 * What the workstations' browsers reach through the GHT's proxy: the national health services
 * every ward uses (Assurance Maladie's professional portal, Pro Santé Connect, the DMP, MSSanté
 * webmail), services some wards use (appointments, drug databases, the ANSM's shortage alerts),
 * and a teleradiology partner whose viewer is served from several nodes (the radiology PCs only).
 */
const EVERY_WARD = ['espacepro.ameli.fr', 'auth.esw.esante.gouv.fr', 'www.dmp.fr', 'mailiz.mssante.fr'];
const SOME_WARDS = ['pro.doctolib.fr', 'www.vidal.fr', 'ansm.sante.fr', 'annuaire.sante.fr', 'sirh.editeur-rh.example'];
const TELERADIOLOGY = [1, 2, 3, 4, 5].map((n) => `eu${n}.viewer.telerad-partenaire.example`);
/** A device without an agent (a gateway of lab analysers) behind the proxy: kept unmapped. */
export const UNMAPPED_CLIENT = '10.10.62.31';

export interface DemoDestinations {
  destinations: number;
  proxyLines: number;
  /** Lines whose client address an agent reports (attributed to that host). */
  proxyMapped: number;
  learning: string | null;
  proposals: number;
}

/**
 * Squid native lines over the last three days (the proxy logs CONNECT host:443 for HTTPS and the
 * full URL for plain HTTP, with the user name when authenticated: neither path, query nor user is
 * kept). Each workstation reaches the national services and two or three others, several times
 * a day; one HTTPS connection to a bare address is named by the SNI; the proxy refuses one site.
 */
function squidLog(clients: readonly string[], now: Date): string {
  const lines: string[] = [];
  const at = (day: number, seconds: number) => (Math.floor(now.getTime() / 1000) - day * 86_400 - 10 * 3600 + seconds).toFixed(3);
  const connect = (t: string, client: string, host: string, upstream: string) => `${t}    245 ${client} TCP_TUNNEL/200 6120 CONNECT ${host}:443 - HIER_DIRECT/${upstream} -`;
  for (const day of [2, 1, 0]) {
    clients.forEach((client, i) => {
      const reached = [...EVERY_WARD, SOME_WARDS[i % SOME_WARDS.length]!, SOME_WARDS[(i + 2) % SOME_WARDS.length]!, ...(i % 6 === 3 ? TELERADIOLOGY : [])];
      reached.forEach((host, k) => {
        for (let visit = 0; visit < 1 + ((i + k + day) % 3); visit++) lines.push(connect(at(day, i * 97 + k * 13 + visit * 1800), client, host, '203.0.113.80'));
      });
    });
    const first = clients[0];
    if (first !== undefined) {
      lines.push(`${at(day, 4000)}     88 ${first} TCP_MISS/200 1432 GET http://www.has-sante.fr/recommandations?patient=123456 jdupont HIER_DIRECT/198.51.100.30 text/html`);
      lines.push(`${at(day, 4100)}    310 ${first} TCP_TUNNEL/200 9000 CONNECT 198.51.100.44:443 - HIER_DIRECT/198.51.100.44 - www.vidal.fr`);
      lines.push(`${at(day, 4200)}      0 ${first} TCP_DENIED/403 3900 CONNECT www.casino-en-ligne.example:443 jdupont HIER_NONE/- text/html`);
    }
    lines.push(`${at(day, 5000)}    120 ${UNMAPPED_CLIENT} TCP_MISS/200 880 GET http://maj.constructeur-biomed.example/firmware/latest?serial=SN123 - HIER_DIRECT/198.51.100.20 text/plain`);
  }
  return `${lines.join('\n')}\n`;
}

export async function demoDestinations(db: Database, dataDir: string, now: Date, timeZone: string): Promise<DemoDestinations> {
  const judge = judgeOf(policyContextOf(dataDir), now);
  await feedInventory(db, judge, 1000);

  // The GHT proxy's log: its clients are the workstations' addresses, as their agents report them.
  const clients = (await db.selectFrom('inventory_host_addresses').select('address').where('role', '=', 'workstation').orderBy('address').execute()).map((r) => r.address);
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
  const p = importer.progress;
  return { destinations: Number(rows.n), proxyLines: p.lines, proxyMapped: p.imported - p.unmapped, learning, proposals };
}
