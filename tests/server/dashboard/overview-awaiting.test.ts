// The overview's "awaiting your decision" list (DASHBOARD.md page 1) on both databases: for each
// reviewer, the access requests they may act on now by the domain's rules (a pending request they
// did not ask for and have not reviewed; an approved emergency not yet countersigned, on the same
// conditions), counted and each linked; nothing of the kind for roles that do not review; the same
// in English. The browser check (CSP, axe, following a link to the review) is in
// browser-access.test.ts.
import t from 'tap';
import { insertRequest, insertReview } from '../../../server/access/requests-store.js';
import { toDbTime } from '../../../server/db/columns.js';
import { LANG_COOKIE } from '../../../server/dashboard/i18n/lang.js';
import { awaitingDecision } from '../../../server/dashboard/data/awaiting-decision.js';
import { fullSession, sessionOf } from '../auth/helpers.js';
import { accessWorld, PASSWORD, type AccessWorld, type Person } from '../access/helpers.js';
import { DB_KINDS } from '../fixture.js';

/** The overview's "awaiting" section, or null when the page has none. */
const section = (html: string) => /<section aria-labelledby="awaiting-h"[\s\S]*?<\/section>/.exec(html)?.[0] ?? null;
/** The request ids the section links to, in page order. */
const linked = (html: string) => [...html.matchAll(/<a href="\/access\/requests\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const count = (html: string) => Number(/<span class="big">([^<]+)<\/span>/.exec(html)?.[1]?.replace(/\D/g, '') ?? NaN);

/** The person's session cookies, signed in with password and a real TOTP code. */
async function signIn(w: AccessWorld, p: Person): Promise<Record<string, string>> {
  const response = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: p.username, password: PASSWORD, totp_code: w.code(p) } });
  if (response.statusCode !== 200) throw new Error(`login ${p.username}: ${response.body}`);
  return sessionOf(response, p.username, p.secret).cookies;
}

for (const kind of DB_KINDS) {
  t.test(`overview: access requests awaiting the reader's decision (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const now = w.clock.at;
    const hour = 3_600_000;
    const ask = (requester: Person, options: { deadlineHours?: number; emergency?: boolean } = {}) =>
      insertRequest(w.db, {
        requester_id: requester.user_id,
        vendor_id: null,
        target_id: w.target.target_id,
        not_before: new Date(now.getTime() + hour),
        not_after: new Date(now.getTime() + 3 * hour),
        review_deadline: new Date(now.getTime() + (options.deadlineHours ?? 1) * hour),
        first_connect_deadline: null,
        reason: 'Mise à jour du logiciel de l’IRM',
        ticket: 'INC-1',
        emergency: options.emergency ?? false,
        quorum: options.emergency === true ? {} : { rssi: 1, biomedical: 1 },
        now,
      });
    const review = (request_id: string, by: Person, decision: 'approve' | 'deny' | 'countersign' = 'approve') =>
      insertReview(w.db, { request_id, reviewer_id: by.user_id, reviewer_role: by.role, decision, comment: '', not_before: null, not_after: null, posture: null, now });
    const set = (id: string, change: Record<string, unknown>) => w.db.updateTable('access_requests').set(change).where('request_id', '=', id).execute();
    const { vendor, rssi, rssi2, bio, admin } = w.people;

    const fresh = await ask(vendor, { deadlineHours: 2 }); // nobody reviewed it yet
    const urgent = await ask(vendor, { deadlineHours: 1 }); // the same, an hour sooner
    const rssiSaid = await ask(vendor); // the RSSI approved it, the biomedical engineer not yet
    await review(rssiSaid, rssi);
    const bioSaid = await ask(vendor, { deadlineHours: 3 }); // the biomedical engineer approved it
    await review(bioSaid, bio);
    const rssiAsked = await ask(rssi, { deadlineHours: 4 }); // an RSSI's own request
    const approved = await ask(vendor); // approved: nothing left to decide
    await set(approved, { state: 'approved', decided_at: toDbTime(now) });
    const denied = await ask(vendor);
    await set(denied, { state: 'denied', decided_at: toDbTime(now), ended_at: toDbTime(now) });
    // Emergencies approved by the biomedical engineer: one to countersign, one already countersigned.
    const emergency = await ask(vendor, { emergency: true });
    await review(emergency, bio);
    await set(emergency, { state: 'active', decided_at: toDbTime(now) });
    const countersigned = await ask(vendor, { emergency: true });
    await review(countersigned, bio);
    await review(countersigned, rssi2, 'countersign');
    await set(countersigned, { state: 'closed', decided_at: toDbTime(now), countersigned_at: toDbTime(now), countersigned_by: 'rssi-bruno' });
    // A pending emergency is reviewed like any pending request.
    const emergencyPending = await ask(vendor, { emergency: true, deadlineHours: 5 });

    const expected = {
      rssi: [urgent, fresh, bioSaid, emergencyPending, emergency],
      rssi2: [urgent, fresh, rssiSaid, bioSaid, rssiAsked, emergencyPending, emergency],
      bio: [urgent, fresh, rssiSaid, rssiAsked, emergencyPending],
      admin: [urgent, fresh, rssiSaid, bioSaid, rssiAsked, emergencyPending, emergency],
    } as const;
    // rssiSaid's deadline equals urgent's (1 h): ties are ordered by request id.
    const byDeadline = (ids: readonly string[]) => {
      const oneHour = [urgent, rssiSaid].filter((id) => ids.includes(id)).sort();
      return ids.flatMap((id) => (id === urgent ? oneHour : id === rssiSaid ? [] : [id]));
    };

    for (const [name, person] of [['rssi', rssi], ['rssi2', rssi2], ['bio', bio], ['admin', admin]] as const) {
      const want = byDeadline(expected[name]);
      const data = await awaitingDecision(w.db, person);
      t.same(data.requests.map((r) => r.request_id), want, `${name}: the requests awaiting them, reviews by deadline then countersignatures`);
      t.equal(data.total, want.length, `${name}: counted`);
      t.same(data.requests.filter((r) => r.decision === 'countersign').map((r) => r.request_id), want.includes(emergency) ? [emergency] : [], `${name}: the emergency to countersign is marked so`);

      const page = await w.app.inject({ method: 'GET', url: '/overview', cookies: await signIn(w, person) });
      t.equal(page.statusCode, 200);
      const html = section(page.body);
      if (html === null) {
        t.fail(`${name}: the overview has the section`);
        continue;
      }
      t.equal(count(html), want.length, `${name}: the count on the page`);
      t.same(linked(html), want, `${name}: a link to each request, in that order`);
      t.match(html, /attendent votre décision/, 'in French');
      t.match(html, want.includes(emergency) ? /Contresigner l’urgence/ : /Examiner/, 'the decision awaited in words');
    }
    t.notOk(
      (await awaitingDecision(w.db, rssi)).requests.some((r) => [rssiSaid, rssiAsked, approved, denied, countersigned].includes(r.request_id)),
      "never one's own request, one already reviewed, a decided or a countersigned one",
    );

    await t.test('bounded list, with the way to the rest', async (t) => {
      const two = await awaitingDecision(w.db, admin, 2);
      t.equal(two.total, 7, 'the count is of all of them');
      t.same(two.requests.map((r) => r.request_id), byDeadline(expected.admin).slice(0, 2), 'the two most pressing');
    });

    await t.test('in English, and nothing for the roles that do not review', async (t) => {
      const session = await fullSession(w.app, w.db, 'await-admin-en', 'admin', now);
      const page = await w.app.inject({ method: 'GET', url: '/overview', cookies: { ...session.cookies, [LANG_COOKIE]: 'en' } });
      const html = section(page.body) ?? '';
      t.match(html, /Awaiting your decision/);
      t.match(html, /access request\(s\) awaiting your decision/);
      t.match(html, /Countersign the emergency/);
      t.equal(count(html), 7, 'a new admin account is awaited on every open request');
      for (const role of ['technician', 'auditor'] as const) {
        const other = await fullSession(w.app, w.db, `await-${role}`, role, now);
        const overview = await w.app.inject({ method: 'GET', url: '/overview', cookies: other.cookies });
        t.equal(overview.statusCode, 200);
        t.equal(section(overview.body), null, `${role}: no "awaiting your decision" section (the role does not review)`);
      }
      for (const p of [w.people.tech, w.people.auditor, w.people.vendor]) t.same(await awaitingDecision(w.db, p), { total: 0, requests: [] }, `${p.role}: awaited on nothing`);
    });

    await t.test('no request awaiting: said so', async (t) => {
      for (const id of expected.admin) await review(id, admin, 'deny');
      const page = await w.app.inject({ method: 'GET', url: '/overview', cookies: (await fullSession(w.app, w.db, 'await-admin-2', 'admin', now)).cookies });
      t.match(section(page.body) ?? '', /7<\/span>/, 'another admin is still awaited on them');
      t.same((await awaitingDecision(w.db, admin)).requests, [], 'the admin who decided is awaited on nothing');
    });
  });
}
