// Page 11, Journal d'audit, on both databases through app.inject: filters that compose and narrow,
// counts that match the API, keyset paging that neither repeats nor skips, exports with exactly
// the filtered rows (and journalled), hostile text shown as text with its invisible characters
// made visible, and a tampered chain reported as broken where it breaks.
import { Migrator } from 'kysely';
import t from 'tap';
import { appendAuditEvent } from '../../../server/auditlog/auditlog.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import { fullSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp, DAY } from './fixture.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const count = (html: string) => Number(/([\d\u202f ]+) entrées correspondent/.exec(text(html))?.[1]?.replace(/\D/g, ''));
const seqs = (html: string) => [...html.matchAll(/<tr id="e-(\d+)"/g)].map((m) => Number(m[1]));

for (const kind of DB_KINDS) {
  t.test(`audit log page (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    const start = d.clock.now();
    // 120 entries over 4 days: user changes and waivers, one with hostile text.
    for (let n = 0; n < 120; n++) {
      await appendAuditEvent(d.db, {
        actor: { type: 'user', id: n % 3 === 0 ? 'alice' : 'bob' },
        action: n % 2 === 0 ? 'user.created' : 'waiver.created',
        target: n === 7 ? 'user:<script>alert(1)</script>\u202Eevil\u0007' : `user:u${n}`,
        details: { n, note: n === 7 ? '<img src=x onerror=alert(1)>\u0085' : 'ok' },
        at: new Date(start.getTime() + Math.floor(n / 30) * DAY + n * 1000),
      });
    }
    const admin = await fullSession(d.app, d.db, 'admin-l', 'admin', d.clock.now());
    const auditor = await fullSession(d.app, d.db, 'auditor-l', 'auditor', d.clock.now());
    const get = (url: string, session = auditor) => d.app.inject({ method: 'GET', url, cookies: session.cookies });

    await t.test('the chain is verified on the page; counts match the API', async (t) => {
      const page = await get('/audit-log');
      t.equal(page.statusCode, 200);
      const api = (await get('/api/v1/auditlog/verify', admin)).json() as { ok: boolean; entries: number; head: { hash: string } };
      t.equal(api.ok, true);
      t.match(text(page.body), /Chaîne intègre/);
      t.ok(page.body.includes(api.head.hash), 'the head hash to keep elsewhere is shown');
      t.equal(count(page.body), api.entries, 'every entry counted');
      t.equal(seqs(page.body).length, 50, 'one page of 50');
      t.equal(seqs(page.body)[0], api.entries, 'newest first');
    });

    await t.test('filters compose and narrow; paging neither repeats nor skips', async (t) => {
      const users = await get('/audit-log?action=user.&actor=bob');
      t.equal(count(users.body), 40, 'user.* by bob');
      const alice = await get('/audit-log?action=user.&actor=alice');
      t.equal(count(alice.body), 20, 'user.* by alice (n divisible by 6)');
      const dayTwo = new Date(start.getTime() + DAY).toISOString().slice(0, 10);
      const oneDay = await get(`/audit-log?action=user.&from=${dayTwo}&to=${dayTwo}`);
      t.ok(count(oneDay.body) > 0 && count(oneDay.body) < 60, `one Paris day narrows: ${count(oneDay.body)}`);
      const target = await get('/audit-log?target=user:u1');
      t.same(seqs(target.body).length, count(target.body), 'prefix filter');
      // Walk all pages of a filter.
      const seen: number[] = [];
      let url: string | null = '/audit-log?action=waiver.';
      let guard = 0;
      while (url !== null && guard++ < 10) {
        const page = await get(url);
        seen.push(...seqs(page.body));
        const next = /href="(\/audit-log\?[^"]*before=\d+)"/.exec(page.body)?.[1];
        url = next === undefined ? null : next.replace(/&amp;/g, '&');
      }
      t.equal(seen.length, 60, 'all waiver entries over the pages');
      t.equal(new Set(seen).size, 60, 'no entry twice');
      t.same(seen, [...seen].sort((a, b) => b - a), 'newest first throughout');
      // Malformed values are dropped, never a 500.
      for (const bad of ['action=DROP%20TABLE', 'from=2026-02-30', 'to=yesterday', 'before=-1', `actor=${'x'.repeat(300)}`]) {
        t.equal((await get(`/audit-log?${bad}`)).statusCode, 200, bad);
      }
    });

    await t.test('exports carry exactly the filtered entries and are journalled', async (t) => {
      const filter = 'action=user.&actor=alice';
      const page = await get(`/audit-log?${filter}`);
      const csv = await get(`/audit-log/export.csv?${filter}`);
      t.equal(csv.statusCode, 200);
      t.ok(csv.body.startsWith('\uFEFFseq,at,actor_type'), 'CSV with BOM and header');
      const csvSeqs = csv.body.trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
      t.same(csvSeqs, seqs(page.body), 'CSV rows are the filtered view');
      const json = (await get(`/audit-log/export.json?${filter}`)).json() as { chain: { ok: boolean }; entries: Array<{ seq: number; hash: string }> };
      t.same(json.entries.map((e) => e.seq), seqs(page.body), 'JSON rows are the filtered view');
      t.equal(json.chain.ok, true);
      const exported = await get('/audit-log?action=auditlog.exported');
      t.equal(count(exported.body), 2, 'each export is in the journal');
      t.match(text(exported.body), /auditor-l/);
    });

    await t.test('hostile text is text, invisible characters are shown', async (t) => {
      const page = await get('/audit-log?target=user:%3Cscript');
      t.notMatch(page.body, /<script>alert/);
      t.notMatch(page.body, /<img src=x/);
      t.match(page.body, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      t.match(page.body, /⟨U\+202E⟩evil⟨U\+0007⟩/, 'the RTL override and the bell are visible markers');
      t.match(page.body, /⟨U\+0085⟩/, 'a C1 control in details too');
    });

    await t.test('roles: technicians and vendors get a 403 page', async (t) => {
      for (const role of ['technician', 'vendor'] as const) {
        const s = await fullSession(d.app, d.db, `${role}-l`, role, d.clock.now());
        t.equal((await get('/audit-log', s)).statusCode, 403, role);
        t.equal((await get('/audit-log/export.csv', s)).statusCode, 403, `${role} export`);
      }
    });

    await t.test('a tampered entry shows the chain broken at that entry', async (t) => {
      await new Migrator({ db: d.db, provider: new StaticMigrationProvider(kind) }).migrateTo('0005_verdict_sets');
      await d.db.updateTable('audit_log').set({ actor_id: 'mallory' }).where('seq', '=', 5).execute();
      const page = await get('/audit-log');
      t.equal(page.statusCode, 200);
      t.match(text(page.body), /Chaîne ROMPUE à l’entrée n° 5 : entrée modifiée après écriture/);
    });
  });
}
