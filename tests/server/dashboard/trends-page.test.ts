// Tendances on both databases: the page reads the daily trend tables only (rows written here
// directly, with no host, report or audit behind them), the 30/90/365-day windows include exactly
// the audited days inside them, a site filter narrows, days without an audit are gaps, and the
// chart's table carries the same numbers.
import t from 'tap';
import { TrendTally, writeTrendDay } from '../../../server/db/trends.js';
import { parisDay } from '../../../server/dashboard/i18n/format.js';
import { dayMinus } from '../../../server/dashboard/components/chart.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp } from './fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
/** Rows of the daily table that had an audit. */
const auditedRows = (html: string) => [...html.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="num">([^<]+)<\/td>/g)].map((m) => ({ day: m[1], score: m[2] }));

/** A day's tally: `pass` and `fail` (host × rule) results on each of two sites. */
function tally(pass: number, fail: number): TrendTally {
  const tl = new TrendTally();
  for (const site of ['ch-a', 'ch-b']) {
    for (let i = 0; i < pass; i++) tl.add({ site, role: 'workstation', state: 'assessed', results: [{ rule_id: 'NET-01', status: 'pass', waiver_id: null }] });
    for (let i = 0; i < fail; i++) tl.add({ site, role: 'server', state: 'assessed', results: [{ rule_id: 'NET-01', status: site === 'ch-a' ? 'fail' : 'pass', waiver_id: null }] });
  }
  return tl;
}

for (const kind of DB_KINDS) {
  t.test(`trends page (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    const today = parisDay(d.clock.now());
    // Four audited days: today, 10, 60 and 200 days ago, with compliance improving over time.
    const history: Array<[number, number, number]> = [
      [200, 1, 3],
      [60, 2, 2],
      [10, 3, 1],
      [0, 4, 0],
    ];
    for (const [ago, pass, fail] of history) await d.db.transaction().execute((trx) => writeTrendDay(trx, dayMinus(today, ago), tally(pass, fail)));
    const rssi = await fullSession(d.app, d.db, 'rssi-t', 'rssi', d.clock.now());
    const get = (url: string, s = rssi) => d.app.inject({ method: 'GET', url, cookies: s.cookies });

    await t.test('each window holds exactly the audited days inside it', async (t) => {
      for (const [days, expected] of [[30, 2], [90, 3], [365, 4]] as const) {
        const page = await get(`/trends?days=${days}`);
        t.equal(page.statusCode, 200);
        t.equal(auditedRows(page.body).length, expected, `${days} days: ${expected} audited days`);
        t.equal((page.body.match(/pas d’audit/g) ?? []).length, days - expected, 'the other days are gaps, not zeros');
        t.match(page.body, /<svg[^>]*role="img"/, 'an SVG chart');
      }
    });

    await t.test('the numbers are those written in the trend table', async (t) => {
      const page = await get('/trends?days=365');
      // Oldest day: per site 1 pass + 3 server results; ch-a's are fail, ch-b's pass -> 5 pass, 3 fail.
      const rows = auditedRows(page.body);
      t.equal(rows[rows.length - 1]?.score, '62,5 %'.replace(' ', '\u00a0'), 'oldest day 5 / 8');
      t.equal(rows[0]?.score, '100\u00a0%', 'today 8 / 8');
      t.match(text(page.body), /Variation sur la période : 62,5 % → 100 %/);
      const siteA = await get('/trends?days=365&site=ch-a');
      const a = auditedRows(siteA.body);
      t.equal(a[a.length - 1]?.score, '25\u00a0%', 'ch-a alone, oldest day: 1 / 4');
      t.notMatch(siteA.body, /Par site/, 'no per-site table once a site is chosen');
      t.match(text(page.body), /ch-a 25 %[\s\S]*100 %[\s\S]*\+75 % \(en hausse\)/, 'per-site start and end with a text trend');
    });

    await t.test('bad parameters fall back, roles are checked', async (t) => {
      for (const bad of ['days=7', 'days=abc', 'site=%3Cscript%3E', 'rule=DROP', 'role=root']) {
        const page = await get(`/trends?${bad}`);
        t.equal(page.statusCode, 200, bad);
        t.notMatch(page.body, /<script>/);
      }
      t.equal(auditedRows((await get('/trends?days=7')).body).length, 3, 'an unknown window is 90 days');
      const tech = await fullSession(d.app, d.db, 'tech-t', 'technician', d.clock.now());
      t.equal((await get('/trends', tech)).statusCode, 200);
      const vendor = await fullSession(d.app, d.db, 'vendor-t', 'vendor', d.clock.now());
      t.equal((await get('/trends', vendor)).statusCode, 403);
    });
  });
}
