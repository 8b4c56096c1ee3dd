// The roll-up's hosts count and days seen grow only by what the raw table did not hold yet. When
// a stored row cannot tell (its sample is full, or a day falls between its first and last day),
// writeAggregates asks the raw table, pair by pair: this drives both questions on both databases
// against a plain count of what was recorded, over batches that come back to known hosts and days
// in every order.
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { recordSightings, HOSTS_SAMPLE } from '../../../server/inventory/record.js';
import type { Sighting } from '../../../server/inventory/sighting.js';
import { inventoryJudge } from '../../../server/inventory/verdict.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

const NOW = new Date('2025-06-10T12:00:00Z');
const judge = inventoryJudge(loadShippedPacks(), new Map(), NOW);

function sighting(destination: string, port: number, host: string, day: number): Sighting {
  return {
    site: 'ch-rec',
    role: 'workstation',
    destination,
    kind: 'name',
    domain: 'editeur.example',
    port,
    protocol: 'tcp',
    direction: 'egress',
    host_key: host,
    at: `2025-06-0${day}T10:00:00.000Z`,
    source: 'proxy:squid',
    name_source: null,
    process: null,
    address: null,
  };
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: hosts and days already held are not counted twice`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    const hosts = Array.from({ length: HOSTS_SAMPLE + 5 }, (_, i) => `host-${String(i).padStart(2, '0')}`);
    const destinations = ['a.editeur.example', 'b.editeur.example'];
    const seen = new Map<string, { hosts: Set<string>; days: Set<number> }>();
    // Batches: days 1 and 5 first (so 2..4 fall inside the stored range), then every host on
    // day 3, then known and new hosts on days 2, 3 and 4 again, in both ports.
    const batches: Array<Array<[number, number]>> = [
      [[0, 1], [1, 5]],
      hosts.slice(0, 12).map((_, i) => [i, 3] as [number, number]),
      [[2, 2], [13, 3], [3, 4], [14, 2], [0, 3]],
      hosts.map((_, i) => [i, 2 + (i % 3)] as [number, number]),
    ];
    for (const batch of batches) {
      const sightings: Sighting[] = [];
      for (const destination of destinations) {
        for (const port of [443, 8443]) {
          for (const [h, day] of batch) {
            if (port === 8443 && h % 2 === 1) continue;
            sightings.push(sighting(destination, port, hosts[h]!, day));
            const key = `${destination}:${port}`;
            let s = seen.get(key);
            if (s === undefined) seen.set(key, (s = { hosts: new Set(), days: new Set() }));
            s.hosts.add(hosts[h]!);
            s.days.add(day);
          }
        }
      }
      await recordSightings(db, sightings, judge);
    }
    const rows = await db.selectFrom('inventory_destinations').select(['destination', 'port', 'hosts_count', 'days_seen']).orderBy(['destination', 'port']).execute();
    t.equal(rows.length, 4);
    for (const row of rows) {
      const want = seen.get(`${row.destination}:${row.port}`)!;
      t.same({ hosts: Number(row.hosts_count), days: Number(row.days_seen) }, { hosts: want.hosts.size, days: want.days.size }, `${row.destination}:${row.port}`);
    }
    t.ok(rows.some((r) => Number(r.hosts_count) > HOSTS_SAMPLE), 'a row has more hosts than its sample holds (the raw table was asked)');
  });
}
