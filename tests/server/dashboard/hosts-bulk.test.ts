// The hosts page's bulk action on both databases: a waiver of one rule for every host of a filter.
// It shows how many hosts it touches, acts on the server-side filter only (the confirmed count must
// still hold), refuses an empty filter, a filter without a rule and a fail/warn verdict, a missing
// confirmation, a missing CSRF token and every role but the RSSI, creates nothing when refused,
// and journals the action and each waiver.
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { createHostWaivers } from '../../../server/waivers/bulk.js';
import { WaiverInputError } from '../../../server/waivers/create.js';
import { bulkWaiverSelection } from '../../../server/dashboard/data/hosts-bulk.js';
import { hostFilterOf } from '../../../server/dashboard/data/hosts.js';
import { fullSession, type TestSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp, seedFleet, DAY } from './fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const count = (html: string) => Number(/([\d\u202f  ]+) hôtes correspondent/.exec(text(html))?.[1]?.replace(/\D/g, ''));

for (const kind of DB_KINDS) {
  t.test(`bulk waiver by filter (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    await seedFleet(t, d, 2, 24);
    const rssi = await fullSession(d.app, d.db, 'rssi-bulk', 'rssi', d.clock.now());
    const tech = await fullSession(d.app, d.db, 'tech-bulk', 'technician', d.clock.now());
    const auditor = await fullSession(d.app, d.db, 'aud-bulk', 'auditor', d.clock.now());
    const get = (s: TestSession, url: string) => d.app.inject({ method: 'GET', url, cookies: s.cookies });
    const post = (s: TestSession, body: string) =>
      d.app.inject({ method: 'POST', url: '/hosts/bulk-waiver', cookies: s.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    const waivers = async () => ((await d.app.inject({ method: 'GET', url: '/api/v1/waivers', cookies: rssi.cookies })).json() as { waivers: Array<{ id: string; rule_id: string; scope_text: string; active: boolean; justification: string }> }).waivers;
    const journal = async () =>
      ((await d.app.inject({ method: 'GET', url: '/api/v1/auditlog?limit=1000', cookies: rssi.cookies })).json() as { entries: Array<{ seq: number; action: string; actor: { id: string }; details: Record<string, unknown> }> }).entries;

    // A failing rule, narrowed to the site where it fails most.
    const rules = await get(rssi, '/rules');
    // The rule failing on most hosts (its count links to them).
    const rule = [...rules.body.matchAll(/href="\/hosts\?rule=([A-Z]+-\d+)&amp;status=fail">(\d+)</g)].sort((a, b) => Number(b[2]) - Number(a[2]))[0]![1]!;
    const failing = await get(rssi, `/hosts?rule=${rule}&status=fail`);
    const site = /<td>(ch[a-z-]+)<\/td>/.exec(failing.body)![1]!;
    const filter = `site=${site}&rule=${rule}&status=fail`;
    const listed = await get(rssi, `/hosts?${filter}`);
    const n = count(listed.body);
    t.ok(n > 0 && n < count(failing.body) + 1, `the filter selects ${n} hosts`);
    const csv = await get(rssi, `/hosts/export.csv?${filter}`);
    const filtered = csv.body.trim().split('\n').slice(1).map((line) => line.split(',')[0]!).sort();
    t.equal(filtered.length, n);
    const expires = new Date(d.clock.now().getTime() + 30 * DAY).toISOString().slice(0, 10);
    const fields = `${filter}&justification=${encodeURIComponent('Poste de soins : correctif éditeur attendu en avril')}&expires=${expires}`;

    await t.test('the hosts page offers it to the RSSI only, with the count', async (t) => {
      t.match(text(listed.body), new RegExp(`Déroger à ${rule} pour ces ${n} hôtes`));
      t.match(listed.body, `href="/hosts/bulk-waiver?site=${site}&amp;rule=${rule}&amp;status=fail"`);
      const asTech = await get(tech, `/hosts?${filter}`);
      t.notMatch(text(asTech.body), /Action groupée/, 'not on a technician’s page');
      t.match(text((await get(rssi, `/hosts?site=${site}`)).body), /filtrez sur une règle et le verdict/, 'without a rule filter: how to get one');
    });

    await t.test('the confirmation page shows the filter and the number of hosts', async (t) => {
      const page = await get(rssi, `/hosts/bulk-waiver?${filter}`);
      t.equal(page.statusCode, 200);
      t.match(text(page.body), new RegExp(`Cette action crée ${n} dérogations à la règle ${rule}`));
      t.match(text(page.body), new RegExp(`Je confirme créer ${n} dérogations`));
      t.match(page.body, `name="expected" value="${n}"`);
      t.equal((await get(tech, `/hosts/bulk-waiver?${filter}`)).statusCode, 403, 'technician refused');
      t.equal((await get(auditor, `/hosts/bulk-waiver?${filter}`)).statusCode, 403, 'auditor refused');
    });

    await t.test('refused filters', async (t) => {
      const empty = await get(rssi, '/hosts/bulk-waiver');
      t.equal(empty.statusCode, 400);
      t.match(text(empty.body), /le filtre est vide/);
      t.notMatch(empty.body, /name="expected"/, 'no form');
      t.match(text((await get(rssi, `/hosts/bulk-waiver?site=${site}`)).body), /doit nommer la règle/);
      t.match(text((await get(rssi, `/hosts/bulk-waiver?rule=${rule}`)).body), /masquerait sa prochaine non-conformité/, 'a rule without fail/warn');
      t.match(text((await get(rssi, `/hosts/bulk-waiver?rule=${rule}&status=pass`)).body), /masquerait/, 'passing hosts');
      t.match(text((await get(rssi, `/hosts/bulk-waiver?${filter}&revoked=1`)).body), /hôtes révoqués/);
      t.match(text((await get(rssi, `/hosts/bulk-waiver?${filter}&q=zzz-none`)).body), /Aucun hôte ne correspond/);
    });

    await t.test('refused posts create nothing', async (t) => {
      const before = (await waivers()).length;
      const journalBefore = (await journal()).length;
      t.equal((await post(rssi, `${fields}&expected=${n}&confirm=yes`)).statusCode, 403, 'no CSRF token');
      t.equal((await post(tech, `_csrf=${tech.csrf}&${fields}&expected=${n}&confirm=yes`)).statusCode, 403, 'a technician');
      t.equal((await post(auditor, `_csrf=${auditor.csrf}&${fields}&expected=${n}&confirm=yes`)).statusCode, 403, 'an auditor');
      const changed = await post(rssi, `_csrf=${rssi.csrf}&${fields}&expected=${n + 1}&confirm=yes`);
      t.equal(changed.statusCode, 409, 'a count that no longer holds');
      t.match(text(changed.body), new RegExp(`le filtre sélectionne maintenant ${n} hôtes, et non les ${n + 1} confirmés`));
      const unconfirmed = await post(rssi, `_csrf=${rssi.csrf}&${fields}&expected=${n}`);
      t.equal(unconfirmed.statusCode, 400);
      t.match(text(unconfirmed.body), /cochez la case de confirmation/);
      const short = await post(rssi, `_csrf=${rssi.csrf}&site=${site}&rule=${rule}&status=fail&justification=court&expires=${expires}&expected=${n}&confirm=yes`);
      t.equal(short.statusCode, 400);
      t.match(text(short.body), /justification/);
      const empty = await post(rssi, `_csrf=${rssi.csrf}&justification=${encodeURIComponent('Tout le parc, sans filtre du tout')}&expires=${expires}&expected=${n}&confirm=yes`);
      t.equal(empty.statusCode, 400, 'an empty filter');
      const ids = await post(rssi, `_csrf=${rssi.csrf}&${fields}&expected=${n}&confirm=yes&host_id=${filtered[0]}`);
      t.equal(ids.statusCode, 400, 'a list of hosts is not accepted: only the filter');
      t.equal((await waivers()).length, before, 'no waiver created');
      t.equal((await journal()).length, journalBefore, 'nothing journalled');
    });

    await t.test('a confirmed bulk waiver: one waiver per host of the filter, journalled', async (t) => {
      const done = await post(rssi, `_csrf=${rssi.csrf}&${fields}&expected=${n}&confirm=yes`);
      t.equal(done.statusCode, 303);
      const location = String(done.headers.location);
      t.match(location, new RegExp(`^/hosts\\?site=${site}&rule=${rule}&status=fail&bulk=\\d+$`));
      const created = (await waivers()).filter((w) => w.justification === 'Poste de soins : correctif éditeur attendu en avril');
      t.equal(created.length, n, `${n} waivers`);
      t.ok(created.every((w) => w.rule_id === rule && w.active), 'of the rule, active');
      t.same(created.map((w) => w.scope_text.replace(/^host:/, '')).sort(), filtered, 'each scoped to one host of the filter, all of them');
      const entries = await journal();
      const summary = entries.find((e) => e.action === 'waiver.bulk_created')!;
      t.ok(summary, 'the bulk action is journalled');
      t.equal(location.split('bulk=')[1], String(summary.seq));
      t.match(summary.details, { rule_id: rule, hosts: n, selection: `?site=${site}&rule=${rule}&status=fail` });
      t.equal(summary.actor.id, 'rssi-bulk');
      t.equal(entries.filter((e) => e.action === 'waiver.created' && e.details.bulk_seq === summary.seq).length, n, 'and each waiver');
      const after = await get(rssi, location);
      t.match(text(after.body), new RegExp(`Dérogation groupée n° ${summary.seq} du journal : ${n} dérogations à la règle ${rule} créées par rssi-bulk`));
      const detail = await get(rssi, `/hosts/${filtered[0]}`);
      const row = new RegExp(`id="rule-${rule}"[\\s\\S]*?</tr>`).exec(detail.body)![0];
      const mine = created.find((w) => w.scope_text === `host:${filtered[0]}`)!;
      t.match(text(row), mine.id, 'the host page shows the failing verdict with its waiver');
      const forged = await get(rssi, `/hosts?${filter}&bulk=${summary.seq - 1}`);
      t.notMatch(text(forged.body), /Dérogation groupée n°/, 'a bulk number that is not a bulk action shows nothing');
    });

    await t.test('bounded: past the limit the selection is refused, not cut', async (t) => {
      const packs = loadShippedPacks();
      const f = hostFilterOf({ rule, status: 'fail' });
      const selection = await bulkWaiverSelection(d.db, f, d.clock.now(), 1);
      t.equal(selection.refusal, 'too_many');
      const before = (await waivers()).length;
      await t.rejects(
        createHostWaivers(
          d.db,
          { rule, hostIds: [filtered[0]!, 'another-host'], justification: 'Au-delà de la limite, refusé', approver: 'rssi-bulk', expires, selection: '?x' },
          { packs, now: d.clock.now(), timeZone: 'Europe/Paris', actor: { type: 'user', id: 'rssi-bulk' }, maxHosts: 1 },
        ),
        WaiverInputError,
      );
      t.equal((await waivers()).length, before, 'nothing created');
    });
  });
}
