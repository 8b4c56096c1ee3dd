// The dashboard's pages on both databases, through app.inject: counts that match the API, a filter
// combination that narrows the hosts list and exports with exactly the same rows, hostile agent
// data rendered as text, waiver creation and revocation (journalled), and a form post without its
// CSRF token refused.
import t from 'tap';
import { fullSession, type TestSession } from '../auth/helpers.js';
import { DB_KINDS } from '../fixture.js';
import { dashboardApp, enrollAt, seedFleet, type DashboardApp } from './fixture.js';
import { send } from '../audit/helpers.js';
import { reportOf } from '../fixture.js';
import { listener, withListeners } from '../../helpers/report-builder.js';

const HOSTILE = `<img src=x onerror=alert(1)>"'&\u202Eevil`;

function page(d: DashboardApp, session: TestSession, url: string) {
  return d.app.inject({ method: 'GET', url, cookies: session.cookies });
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ');

for (const kind of DB_KINDS) {
  t.test(`dashboard pages (${kind})`, async (t) => {
    const d = await dashboardApp(t, kind);
    const { hosts } = await seedFleet(t, d, 2, 24);
    // A host whose agent reports hostile names (hostname and a listener's process name).
    const evil = await enrollAt(d, 'ch-plateau', 'server', 'evil-host');
    await send(t, d.app, evil, withListeners(reportOf(evil, { collected_at: d.clock.now().toISOString(), host: { hostname: HOSTILE } }), [listener(4444, '0.0.0.0', 'tcp', HOSTILE)]));
    const rssi = await fullSession(d.app, d.db, 'rssi-p', 'rssi', d.clock.now());
    const tech = await fullSession(d.app, d.db, 'tech-p', 'technician', d.clock.now());

    await t.test('overview and hosts count what the API counts', async (t) => {
      const api = await d.app.inject({ method: 'GET', url: '/api/v1/hosts?limit=1000', cookies: rssi.cookies });
      const apiHosts = (api.json() as { hosts: Array<{ revoked: boolean; verdicts: { fail: number } }> }).hosts;
      const overview = await page(d, rssi, '/overview');
      t.equal(overview.statusCode, 200);
      t.match(text(overview.body), new RegExp(`${apiHosts.length} hôtes actifs`), 'active hosts as the API lists them');
      const list = await page(d, rssi, '/hosts');
      t.match(text(list.body), new RegExp(`${apiHosts.length} hôtes correspondent`));
      const failing = await page(d, rssi, '/hosts?any=fail');
      const apiFailing = apiHosts.filter((h) => h.verdicts.fail > 0).length;
      t.match(text(failing.body), new RegExp(`${apiFailing} hôtes correspondent`), 'hosts with a failing verdict, as the API counts them');
    });

    await t.test('a filter combination narrows the list; its exports have the same rows', async (t) => {
      const site = hosts[0]!.site;
      const all = await page(d, rssi, `/hosts?site=${site}`);
      const narrowed = await page(d, rssi, `/hosts?site=${site}&role=workstation&any=fail`);
      const count = (html: string) => Number(/([\d\u202f ]+) hôtes correspondent/.exec(text(html))?.[1]?.replace(/\D/g, ''));
      t.ok(count(narrowed.body) < count(all.body), `narrowed ${count(narrowed.body)} < ${count(all.body)}`);
      const links = [...narrowed.body.matchAll(/href="\/hosts\/([0-9a-f-]{36})"/g)].map((m) => m[1]).sort();
      const csv = await page(d, rssi, `/hosts/export.csv?site=${site}&role=workstation&any=fail`);
      t.ok(csv.body.startsWith('\uFEFFhost_id,'), 'CSV with BOM and header');
      const csvIds = csv.body.trim().split('\n').slice(1).map((line) => line.split(',')[0]).sort();
      t.same(csvIds, links, 'CSV rows are the filtered view');
      const json = await page(d, rssi, `/hosts/export.json?site=${site}&role=workstation&any=fail`);
      t.same((json.json() as { hosts: Array<{ host_id: string }> }).hosts.map((h) => h.host_id).sort(), links, 'JSON rows are the filtered view');
    });

    await t.test('a rule filter and the host page explain a failing verdict', async (t) => {
      const rules = await page(d, rssi, '/rules');
      const failLink = /href="(\/hosts\?rule=([A-Z]+-\d+)&amp;status=fail)"/.exec(rules.body);
      t.ok(failLink, 'a failing count links to its hosts');
      const rule = failLink![2]!;
      const list = await page(d, rssi, `/hosts?rule=${rule}&status=fail`);
      const hostId = /href="\/hosts\/([0-9a-f-]{36})"/.exec(list.body)![1]!;
      const detail = await page(d, rssi, `/hosts/${hostId}`);
      t.equal(detail.statusCode, 200);
      const api = (await d.app.inject({ method: 'GET', url: `/api/v1/hosts/${hostId}/verdicts`, cookies: rssi.cookies })).json() as {
        verdicts: Array<{ rule_id: string; status: string; explanation: { fr: string } }>;
      };
      const verdict = api.verdicts.find((v) => v.rule_id === rule)!;
      t.equal(verdict.status, 'fail');
      const row = new RegExp(`id="rule-${rule}"[\\s\\S]*?</tr>`).exec(detail.body)![0];
      t.match(row, /non conforme/, 'status shown as text');
      const escaped = verdict.explanation.fr.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      t.ok(row.includes(escaped) || row.includes(verdict.explanation.fr), 'the explanation of the API is on the page');
    });

    await t.test('hostile agent data is text', async (t) => {
      const detail = await page(d, rssi, `/hosts/${evil.host_id}`);
      t.notMatch(detail.body, /<img src=x/, 'no planted element');
      t.match(detail.body, /&lt;img src=x onerror=alert\(1\)/, 'the hostname and process name shown escaped');
      const list = await page(d, rssi, '/hosts?q=%3Cimg');
      t.notMatch(list.body, /<img src=x/);
      t.match(list.body, /&lt;img src=x/);
      const csv = await page(d, rssi, '/hosts/export.csv?q=%3Cimg');
      t.match(csv.body, /<img src=x onerror=alert\(1\)>/, 'CSV keeps the raw text (quoted), for the spreadsheet');
    });

    await t.test('waivers: the RSSI creates and revokes; a technician cannot; no CSRF, no post', async (t) => {
      const form = (session: TestSession, body: string, url = '/waivers') =>
        d.app.inject({ method: 'POST', url, cookies: session.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
      const fields = `rule=BKP-01&scope=site%3Ach-plateau&justification=${encodeURIComponent('Remplacement du NAS prévu en mars')}&expires=2099-01-01`;
      const tooFar = await form(rssi, `_csrf=${rssi.csrf}&${fields}`);
      t.equal(tooFar.statusCode, 400, 'an expiry too far ahead is refused with a page');
      t.match(text(tooFar.body), /Dérogation refusée/);
      const expires = new Date(d.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
      const good = `rule=BKP-01&scope=site%3Ach-plateau&justification=${encodeURIComponent('Remplacement du NAS prévu en mars')}&expires=${expires}`;
      const unknownSite = await form(rssi, `_csrf=${rssi.csrf}&${good.replace('ch-plateau', 'ch-plateua')}`);
      t.equal(unknownSite.statusCode, 400, 'a misspelt site is refused with a page');
      t.match(text(unknownSite.body), /Dérogation refusée.*no site named &quot;ch-plateua&quot;/s);
      const noCsrf = await form(rssi, good);
      t.equal(noCsrf.statusCode, 403, 'no CSRF token: refused');
      const byTech = await form(tech, `_csrf=${tech.csrf}&${good}`);
      t.equal(byTech.statusCode, 403, 'a technician may not create a waiver');
      const created = await form(rssi, `_csrf=${rssi.csrf}&${good}`);
      t.equal(created.statusCode, 303);
      const id = /created=([^&#]+)/.exec(String(created.headers.location))![1]!;
      const list = await page(d, rssi, '/waivers');
      t.match(text(list.body), /Remplacement du NAS prévu en mars/);
      const revoked = await form(rssi, `_csrf=${rssi.csrf}`, `/waivers/${id}/revoke`);
      t.equal(revoked.statusCode, 303);
      const api = (await d.app.inject({ method: 'GET', url: '/api/v1/waivers', cookies: rssi.cookies })).json() as {
        waivers: Array<{ id: string; active: boolean; state: string; expires_at: string; revoked_at?: string; revoked_by?: string }>;
      };
      const listed = api.waivers.find((w) => w.id === decodeURIComponent(id));
      t.equal(listed?.active, false, 'revoked waiver no longer active');
      t.match(listed, { state: 'revoked', revoked_at: d.clock.now().toISOString(), revoked_by: 'rssi-p' }, 'the API says when and by whom');
      t.match(listed?.expires_at, new RegExp(`^${expires}`), 'its signed expiry is kept');
      const after = text((await page(d, rssi, '/waivers')).body);
      t.match(after, /révoquée le .* par rssi-p/, 'the page shows it revoked, when and by whom');
      const log = (await d.app.inject({ method: 'GET', url: '/api/v1/auditlog', cookies: rssi.cookies })).json() as { entries: Array<{ action: string }> };
      t.ok(log.entries.some((e) => e.action === 'waiver.revoked'), 'revocation journalled');
    });

    await t.test('audits list and detail with the report hash', async (t) => {
      const list = await page(d, rssi, '/audits');
      const id = /href="\/audits\/([^"]+)"/.exec(list.body)![1]!;
      const detail = await page(d, rssi, `/audits/${id}`);
      const api = await d.app.inject({ method: 'GET', url: `/api/v1/audits/${id}?format=json`, cookies: rssi.cookies });
      const { createHash } = await import('node:crypto');
      t.match(detail.body, createHash('sha256').update(api.body).digest('hex'), 'SHA-256 shown is that of the JSON download');
      const asof = await page(d, rssi, `/audits?asof=${d.clock.now().toISOString().slice(0, 10)}`);
      t.match(text(asof.body), /Situation au/);
    });
  });
}
