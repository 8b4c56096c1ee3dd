// The inventory follows stored reports instead of sitting on the ingestion hot path: ingestion's
// transaction is unchanged (no cost per report), and the inventory catches up in bounded batches,
// every minute, at start and before reads.
//
// Why a lookback and not a plain cursor: a report's received_at is stamped when it is judged,
// before it waits in the group committer and before its transaction commits (PostgreSQL runs four
// at once), so reports become visible out of received_at order, and several share a millisecond
// with report_ids (the agent's UUIDs) in no particular order. A cursor (received_at, report_id)
// skipped such a report for ever. The feed therefore re-reads FEED_LOOKBACK_MS behind its
// watermark (the latest received_at it fed) and claims each report in inventory_fed_reports in
// the same transaction as its sightings: a report is rolled up exactly once, also when two feeds
// run at once (the second one's claim conflicts and it skips the report). Claims older than the
// lookback are pruned. A report committed more than FEED_LOOKBACK_MS after its received_at would
// still be missed: the group committer holds reports for milliseconds, so ten minutes is a wide
// bound (it also covers clock skew between replicas). A report whose body the evidence retention
// already pruned is claimed and skipped. See bench/inventory-feed.bench.ts.
//
// The feed shares the server's event loop with logins and reports, and SQLite's driver answers
// without ever yielding to it: a minute's reports (a thousand or more) were read, parsed and
// reduced in one stretch that held the loop for over a second (the login-flood bench saw every
// login and report wait behind it). So reports are parsed and reduced before the transaction, a
// slice at a time with the loop served between slices, and between batches.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Report } from '../../policies/evidence.js';
import { fromDbJson, fromDbTime, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { reduceSightings, writeAggregates } from './record.js';
import { recordHostAddresses, reportAddresses } from './host-addresses.js';
import { reportSightings } from './report-sightings.js';
import type { Sighting } from './sighting.js';
import type { Judge } from './verdict.js';

const CURSOR = 'feed.reports';
export const FEED_BATCH = 200;
/** Reports parsed between two turns given back to the event loop. */
const PARSE_SLICE = 20;
/** How far behind its watermark the feed looks for reports committed late. */
export const FEED_LOOKBACK_MS = 10 * 60_000;

/** The stored progress: the watermark, or the cursor an earlier version kept (claimed at upgrade). */
type FeedState = { watermark: string } | { legacy: { received_at: string; report_id: string } };

async function readState(db: Database): Promise<FeedState | null> {
  const row = await db.selectFrom('inventory_state').select('value').where('name', '=', CURSOR).executeTakeFirst();
  if (!row) return null;
  const value = JSON.parse(row.value) as { watermark?: unknown; received_at?: unknown; report_id?: unknown };
  if (typeof value.watermark === 'string') return { watermark: value.watermark };
  if (typeof value.received_at === 'string' && typeof value.report_id === 'string') return { legacy: { received_at: value.received_at, report_id: value.report_id } };
  return null;
}

async function writeWatermark(db: Database, watermark: string): Promise<void> {
  const value = JSON.stringify({ watermark });
  await db.insertInto('inventory_state').values({ name: CURSOR, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
}

const behind = (iso: string, ms: number) => toDbTime(new Date(Date.parse(iso) - ms));

/** An earlier version's cursor: the reports it covered within the lookback are claimed, so none is fed twice. */
async function upgradeLegacyCursor(db: Database, legacy: { received_at: string; report_id: string }, lookbackMs: number): Promise<string> {
  await db.transaction().execute(async (trx) => {
    const covered = await trx
      .selectFrom('reports')
      .select(['report_id', 'received_at'])
      .where('received_at', '>=', behind(legacy.received_at, lookbackMs))
      .where((eb) => eb.or([eb('received_at', '<', legacy.received_at), eb.and([eb('received_at', '=', legacy.received_at), eb('report_id', '<=', legacy.report_id)])]))
      .execute();
    for (let i = 0; i < covered.length; i += FEED_BATCH) {
      const part = covered.slice(i, i + FEED_BATCH).map((r) => ({ report_id: r.report_id, received_at: toDbTime(fromDbTime(r.received_at)) }));
      await trx.insertInto('inventory_fed_reports').values(part).onConflict((oc) => oc.column('report_id').doNothing()).execute();
    }
    await writeWatermark(trx, legacy.received_at);
  });
  return legacy.received_at;
}

export interface FeedResult {
  reports: number;
  destinations: number;
}

/** Feeds at most `maxBatches` batches of reports not fed yet; returns what it did. */
export async function feedInventory(db: Database, judge: Judge, maxBatches = 50, lookbackMs = FEED_LOOKBACK_MS): Promise<FeedResult> {
  const total: FeedResult = { reports: 0, destinations: 0 };
  const state = await readState(db);
  let watermark = state === null ? null : 'legacy' in state ? await upgradeLegacyCursor(db, state.legacy, lookbackMs) : state.watermark;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    if (batch > 0) await yieldToEventLoop();
    let query = db
      .selectFrom('reports')
      .select(['report_id', 'received_at', 'body'])
      .where((eb) => eb.not(eb.exists(eb.selectFrom('inventory_fed_reports').select('inventory_fed_reports.report_id').whereRef('inventory_fed_reports.report_id', '=', 'reports.report_id'))))
      .orderBy('received_at')
      .orderBy('report_id')
      .limit(FEED_BATCH);
    if (watermark !== null) query = query.where('received_at', '>=', behind(watermark, lookbackMs));
    const rows = await query.execute();
    if (rows.length === 0) break;
    const latest = rows.reduce((max, row) => (fromDbTime(row.received_at) > max ? fromDbTime(row.received_at) : max), watermark ?? '');
    // Parsed before the transaction, the loop served between slices (see the top of this file).
    const parsed = new Map<string, { report: Report; sightings: Sighting[] }>();
    for (const [i, row] of rows.entries()) {
      if (i > 0 && i % PARSE_SLICE === 0) await yieldToEventLoop();
      if (row.body === null) continue;
      const report = fromDbJson(row.body) as Report;
      parsed.set(row.report_id, { report, sightings: reportSightings(report) });
    }
    await yieldToEventLoop();
    const reducedAll = reduceSightings([...parsed.values()].flatMap((p) => p.sightings));
    await yieldToEventLoop();
    const fed = await db.transaction().execute(async (trx) => {
      // The claim: a report another feed claimed first (its transaction committed) conflicts and is skipped here.
      const claimed = new Set(
        (
          await trx
            .insertInto('inventory_fed_reports')
            .values(rows.map((r) => ({ report_id: r.report_id, received_at: toDbTime(fromDbTime(r.received_at)) })))
            .onConflict((oc) => oc.column('report_id').doNothing())
            .returning('report_id')
            .execute()
        ).map((r) => r.report_id),
      );
      const sightings: Sighting[] = [];
      const addresses = new Map<string, { host_id: string; site: string; role: string; seen_at: string }>();
      let everyParsedClaimed = true;
      for (const [reportId, { report, sightings: own }] of parsed) {
        if (!claimed.has(reportId)) {
          everyParsedClaimed = false;
          continue;
        }
        for (const sighting of own) sightings.push(sighting);
        for (const address of reportAddresses(report)) addresses.set(address, { host_id: report.host.host_id, site: report.host.site, role: report.host.role, seen_at: report.collected_at });
      }
      await recordHostAddresses(trx, addresses);
      // Another feed claimed some first (rare): reduce again what this one claimed.
      const aggregates = everyParsedClaimed ? reducedAll : reduceSightings(sightings);
      await writeAggregates(trx, aggregates, judge);
      const stored = await readState(trx);
      const current = stored !== null && 'watermark' in stored && stored.watermark > latest ? stored.watermark : latest;
      await writeWatermark(trx, current);
      return { reports: claimed.size, destinations: aggregates.size, watermark: current };
    });
    watermark = fed.watermark;
    total.reports += fed.reports;
    total.destinations += fed.destinations;
    if (rows.length < FEED_BATCH) break;
  }
  if (watermark !== null) await db.deleteFrom('inventory_fed_reports').where('received_at', '<', behind(watermark, lookbackMs)).execute();
  return total;
}
