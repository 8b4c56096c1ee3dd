// Page 13, CaRE / ARS, on both databases: each indicator a rule cites is tagged measured (counts
// from the latest audit, linking to the hosts they count), declared (an ORG declaration in force)
// or not covered; the RSSI declares and withdraws organisational evidence from the page
// (journalled), refused input is explained and loses nothing, auditors read without forms.
import t from 'tap';
import { fullSession, type TestSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp, seedFleet, DAY } from './fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const rowOf = (html: string, code: string) => new RegExp(`<tr id="care-${code.replace(/\./g, '\\.')}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
const tagsOf = (row: string) => /<td>([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '';

for (const kind of DB_KINDS) {
  t.test(`CaRE page (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    await seedFleet(t, d, 1, 16);
    const rssi = await fullSession(d.app, d.db, 'rssi-c', 'rssi', d.clock.now());
    const auditor = await fullSession(d.app, d.db, 'auditor-c', 'auditor', d.clock.now());
    const get = (url: string, s: TestSession = rssi) => d.app.inject({ method: 'GET', url, cookies: s.cookies });
    const post = (url: string, body: string, s: TestSession = rssi, csrf = true) =>
      d.app.inject({ method: 'POST', url, cookies: s.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: csrf ? `_csrf=${s.csrf}&${body}` : body });
    const day = (offset: number) => new Date(d.clock.now().getTime() + offset * DAY).toISOString().slice(0, 10);

    await t.test('measured counts link to the hosts they count', async (t) => {
      const page = await get('/care');
      t.equal(page.statusCode, 200);
      const measured = [...page.body.matchAll(/<tr id="care-([^"]+)">/g)].map((m) => m[1]!).filter((code) => /mesuré/.test(tagsOf(rowOf(page.body, code))));
      t.ok(measured.length > 0, `some indicators are measured: ${measured.join(', ')}`);
      const link = /href="\/hosts\?rule=([A-Z]+-\d+)&amp;status=(pass|fail)">([\d\u202f ]+)</.exec(rowOf(page.body, measured[0]!));
      t.ok(link, 'a count is a link');
      const hosts = await get(`/hosts?rule=${link![1]}&status=${link![2]}`);
      t.match(text(hosts.body), new RegExp(`${link![3]!.replace(/\D/g, '')} hôtes correspondent`), 'the count is the hosts list’s');
      t.match(text(page.body), /\d+ mesurés, \d+ déclarés, \d+ non couverts, sur \d+ indicateurs/);
      // BKP-06 is in the backup server's pack since issue 19: every rule citing d2.o3.d is judged on hosts
      // (the "not covered" case of a host rule is tested on the data in data/care.test.ts).
      t.match(text(rowOf(page.body, 'd2.o3.d')), /BKP-06[^◉]*◉ mesuré/, 'a rule of a role pack with judged hosts is measured');
      t.notMatch(text(rowOf(page.body, 'd2.o3.d')), /aucun hôte n’est évalué/);
    });

    await t.test('nothing declared: ORG indicators are not covered and say what to declare', async (t) => {
      const row = rowOf((await get('/care')).body, 'D1.O2.B');
      t.match(tagsOf(row), /non couvert/);
      t.match(text(row), /ORG-01[\s\S]*inconnu/);
    });

    let id = '';
    await t.test('the RSSI declares a SILENE audit: the indicator becomes declared, journalled', async (t) => {
      const future = await post('/care/declarations', `kind=silene_audit&performed_on=${day(5)}&expires_on=${day(60)}&evidence_ref=SILENE-2025-04&level=3`);
      t.equal(future.statusCode, 400, 'an audit in the future is refused');
      t.match(text(future.body), /Déclaration refusée : performed_on/);
      t.match(future.body, /value="SILENE-2025-04"/, 'the form keeps what was typed');
      const evidence = encodeURIComponent('Rapport <b>SILENE</b> n°42');
      const ok = await post('/care/declarations', `kind=silene_audit&performed_on=${day(-3)}&expires_on=${day(57)}&evidence_ref=${evidence}&level=3&subject=&directory_role=&score=&coverage_percent=`);
      t.equal(ok.statusCode, 303, ok.body);
      id = /declared=(DECL-[0-9A-F]{8})/.exec(String(ok.headers.location))?.[1] ?? '';
      t.ok(id !== '');
      const page = await get('/care');
      t.match(tagsOf(rowOf(page.body, 'D1.O2.B')), /déclaré/);
      t.notMatch(page.body, /<b>SILENE/, 'the evidence reference is text');
      t.match(page.body, /Rapport &lt;b>SILENE&lt;\/b> n°42|Rapport &lt;b&gt;SILENE&lt;\/b&gt; n°42/);
      const log = (await get('/api/v1/auditlog?action=org.declaration.created')).json() as { entries: Array<{ actor: { id: string }; target: string }> };
      t.same(log.entries.map((e) => [e.actor.id, e.target]), [['rssi-c', `org_declaration:${id}`]]);
      const api = (await get('/api/v1/org/verdicts')).json() as { verdicts: Array<{ rule_id: string; status: string }> };
      const org1 = api.verdicts.find((v) => v.rule_id === 'ORG-01')!;
      t.match(text(rowOf(page.body, 'D1.O2.B')), new RegExp(`ORG-01[\\s\\S]*${{ pass: 'conforme', warn: 'avertissement', fail: 'non conforme' }[org1.status as 'pass']}`), 'the verdict of the API');
    });

    await t.test('auditors read without forms; others and forged posts are refused', async (t) => {
      const page = await get('/care', auditor);
      t.equal(page.statusCode, 200);
      t.notMatch(page.body, /action="\/care\/declarations/);
      t.match(page.body, new RegExp(id));
      t.equal((await post('/care/declarations', `kind=pca_test&performed_on=${day(-1)}&expires_on=${day(30)}&evidence_ref=CR-PCA-1`, auditor)).statusCode, 403);
      t.equal((await post('/care/declarations', `kind=pca_test&performed_on=${day(-1)}&expires_on=${day(30)}&evidence_ref=CR-PCA-1`, rssi, false)).statusCode, 403, 'no CSRF token');
      const tech = await fullSession(d.app, d.db, 'tech-c', 'technician', d.clock.now());
      t.equal((await get('/care', tech)).statusCode, 403);
    });

    await t.test('withdrawing: a reason is required; the indicator is not covered again', async (t) => {
      t.equal((await post(`/care/declarations/${id}/withdraw`, 'reason=short')).statusCode, 400);
      const ok = await post(`/care/declarations/${id}/withdraw`, `reason=${encodeURIComponent('Saisie sur le mauvais établissement')}`);
      t.equal(ok.statusCode, 303);
      const page = await get('/care');
      t.match(tagsOf(rowOf(page.body, 'D1.O2.B')), /non couvert/);
      t.match(text(page.body), /retirée Saisie sur le mauvais établissement/);
      t.equal((await post(`/care/declarations/${id}/withdraw`, `reason=${encodeURIComponent('Deuxième retrait du même')}`)).statusCode, 409);
      t.equal((await post('/care/declarations/DECL-00000000/withdraw', `reason=${encodeURIComponent('Déclaration inexistante')}`)).statusCode, 404);
    });
  });
}
