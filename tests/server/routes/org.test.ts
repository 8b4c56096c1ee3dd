// /api/v1/org: the RSSI declares organisation evidence (declarant = the session user, audit-logged),
// bad input is refused with the reason and stores nothing, a withdrawal is logged and stops the
// declaration counting, and the ORG verdicts follow the declarations. Both databases.
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { fullSession } from '../auth/helpers.js';
import { bearer, DB_KINDS, readToken, testApp, TEST_NOW } from '../fixture.js';

const day = (offsetDays: number) => new Date(TEST_NOW.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);

for (const kind of DB_KINDS) {
  t.test(`org declarations over HTTP (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const rssi = await fullSession(app, db, 'claire.rssi', 'rssi', TEST_NOW);
    const post = (url: string, payload: object, session = rssi) => app.inject({ method: 'POST', url, headers: session.headers, cookies: session.cookies, payload });
    const verdicts = async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/org/verdicts', headers: bearer(await readToken(db)) });
      t.equal(res.statusCode, 200, res.body);
      return Object.fromEntries((res.json().verdicts as { rule_id: string; status: string }[]).map((v) => [v.rule_id, v.status]));
    };
    const count = async () => (await db.selectFrom('org_declarations').select('declaration_id').execute()).length;

    await t.test('nothing declared: every ORG rule is unknown', async (t) => {
      t.same(await verdicts(), { 'ORG-01': 'unknown', 'ORG-02': 'unknown', 'ORG-03': 'unknown' });
    });

    const ids: Record<string, string> = {};
    await t.test('the RSSI declares; the declarant is the session user; each is audit-logged', async (t) => {
      const payloads = {
        silene1: { kind: 'silene_audit', performed_on: day(-55), evidence_ref: 'SILENE rapport n°2024-0412', expires_on: day(300), subject: 'IP publiques du CH' },
        silene2: { kind: 'silene_audit', performed_on: day(-5), evidence_ref: 'SILENE rapport n°2024-0533', expires_on: day(300) },
        ads: { kind: 'ads_audit', performed_on: day(-100), evidence_ref: 'ORADAD 2024-Q3', expires_on: day(300), subject: 'chu-exemple.local', directory_role: 'production', score: 3 },
        exercise: { kind: 'crisis_exercise', performed_on: day(-200), evidence_ref: 'RETEX exercice cyber 2024', expires_on: day(300), coverage_percent: 70 },
      };
      for (const [name, payload] of Object.entries(payloads)) {
        const res = await post('/api/v1/org/declarations', payload);
        t.equal(res.statusCode, 201, res.body);
        const d = res.json().declaration;
        t.equal(d.declared_by, 'claire.rssi');
        t.match(d.id, /^DECL-[0-9A-F]{8}$/);
        ids[name] = d.id;
      }
      const logged = await listAuditEntries(db, { limit: 10, action: 'org.declaration.created' });
      t.equal(logged.length, 4);
      t.same(logged[0]?.actor, { type: 'user', id: 'claire.rssi' });
      t.equal(logged[0]?.target, `org_declaration:${ids.exercise}`);
      t.match(logged[0]?.details, { rule_id: 'ORG-03', evidence_ref: 'RETEX exercice cyber 2024', declared_by: 'claire.rssi' });
      t.same(await verdicts(), { 'ORG-01': 'pass', 'ORG-02': 'pass', 'ORG-03': 'unknown' }, 'no PCA test declared yet');
      const listed = await app.inject({ method: 'GET', url: '/api/v1/org/declarations', headers: bearer(await readToken(db)) });
      t.equal(listed.json().declarations.length, 4);
    });

    await t.test('refusals say why and store nothing', async (t) => {
      const before = await count();
      const valid = { kind: 'pca_test', performed_on: day(-10), evidence_ref: 'PV test PCA urgences', expires_on: day(100) };
      const cases: Array<[object, RegExp]> = [
        [{ ...valid, performed_on: day(2) }, /in the future/],
        [{ ...valid, expires_on: day(-1) }, /already past/],
        [{ ...valid, expires_on: day(2000) }, /more than 3 years/],
        [{ ...valid, performed_on: '2025-02-30' }, /no such date/],
        [{ ...valid, kind: 'ads_audit' }, /score \(1 to 5\) is required/],
      ];
      for (const [payload, reason] of cases) {
        const res = await post('/api/v1/org/declarations', payload);
        t.equal(res.statusCode, 400, JSON.stringify(payload));
        t.equal(res.json().error.code, 'invalid_declaration');
        t.match(res.json().error.message, reason);
      }
      for (const payload of [{ ...valid, kind: 'pentest' }, { ...valid, evidence_ref: 'x' }, { ...valid, evidence_ref: 'a\u0000b' }, { ...valid, evidence_ref: 'ligne\nsuivante' }, { ...valid, declared_by: 'someone else' }, { ...valid, score: 9 }]) {
        const res = await post('/api/v1/org/declarations', payload);
        t.equal(res.statusCode, 400, JSON.stringify(payload));
      }
      t.equal(await count(), before);
    });

    await t.test('a withdrawal is logged, stops the declaration counting, and happens once', async (t) => {
      const res = await post(`/api/v1/org/declarations/${ids.silene1}/withdraw`, { reason: 'Rapport rattaché à un autre établissement du GHT.' });
      t.equal(res.statusCode, 200, res.body);
      t.equal(res.json().declaration.withdrawn_by, 'claire.rssi');
      t.equal((await verdicts())['ORG-01'], 'warn', 'one audit left: the sequence is no longer proven');
      const again = await post(`/api/v1/org/declarations/${ids.silene1}/withdraw`, { reason: 'Rapport rattaché à un autre établissement du GHT.' });
      t.equal(again.statusCode, 409);
      const missing = await post('/api/v1/org/declarations/DECL-00000000/withdraw', { reason: 'Rien à retirer ici, vraiment.' });
      t.equal(missing.statusCode, 404);
      const short = await post(`/api/v1/org/declarations/${ids.silene2}/withdraw`, { reason: 'non' });
      t.equal(short.statusCode, 400);
      const logged = await listAuditEntries(db, { limit: 5, action: 'org.declaration.withdrawn' });
      t.equal(logged.length, 1);
      t.equal(logged[0]?.target, `org_declaration:${ids.silene1}`);
      t.equal((await verifyAuditLog(db)).ok, true);
    });

    await t.test('only the RSSI declares, with the CSRF token of the session', async (t) => {
      const before = await count();
      const payload = { kind: 'pca_test', performed_on: day(-10), evidence_ref: 'PV test PCA urgences', expires_on: day(100) };
      const auditor = await fullSession(app, db, 'alain.audit', 'auditor', TEST_NOW);
      t.equal((await post('/api/v1/org/declarations', payload, auditor)).statusCode, 403);
      const noCsrf = await app.inject({ method: 'POST', url: '/api/v1/org/declarations', cookies: rssi.cookies, payload });
      t.equal(noCsrf.statusCode, 403);
      t.equal(noCsrf.json().error.code, 'csrf_invalid');
      const token = await app.inject({ method: 'POST', url: '/api/v1/org/declarations', headers: bearer(await readToken(db)), payload });
      t.equal(token.statusCode, 403, 'an API token never declares');
      t.equal(await count(), before);
    });
  });
}
