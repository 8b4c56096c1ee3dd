// The fleet and governance pages in a real browser (chromium), per role, each user signed in from
// the login form with a real TOTP code:
// - every page of the role's menu, and the detail pages it may open (a host, a rule, an audit, its
//   account; the bulk-waiver page for the RSSI), opens with zero CSP and zero axe-core (WCAG 2.1
//   AA) violations (screenshots kept); the menu pages of other roles answer a 403 page;
// - hostile agent data (HTML, quotes, RTL override and control characters in a hostname, a process
//   name and Wi-Fi profile names) is text on every one of those pages: no planted element, no
//   script ran, no dialog;
// - for the RSSI: the overview and hosts counts equal the API's, a failing verdict shows the API's
//   explanation, a filter combination made with the form narrows the list and its CSV and JSON
//   exports have the same rows, the bulk waiver of that filter is confirmed and created, and a
//   waiver is created with the keyboard alone.
import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import type { Role } from '../../../server/auth/roles.js';
import { NAV, PAGE_ROLES } from '../../../server/dashboard/nav.js';
import { checkPage, CHROMIUM_UI_LOCALE, launchBrowser, openPage } from '../../helpers/browser.js';
import { listener, withListeners, withWifi } from '../../helpers/report-builder.js';
import { fullSession } from '../auth/helpers.js';
import { send } from '../audit/helpers.js';
import { reportOf } from '../fixture.js';
import { dashboardServer, enrollAt, seedFleet, signIn, userWithMfa, DAY } from './fixture.js';

const SHOTS = 'dashboard-fleet';
const HOSTILE = `<img src=x onerror="window.__xss=1">"'&\u202Eevil\u0007`;
const HOSTILE_SSID = `<svg onload="window.__xss=2">\u0001x`;
const HOSTILE_PROFILE = `"'><script>window.__xss=3</script>\u202Eprofil\u0007`;
const PLANTED = 'img[src="x"], svg[onload], script:not([src])';
const PAGES = [...new Set(NAV.map((n) => n.path))];
const ROLES: Role[] = ['rssi', 'auditor', 'technician', 'admin', 'biomedical', 'vendor'];

const has = (roles: readonly Role[], role: Role) => roles.includes(role);
const countIn = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1]?.replace(/\D/g, '') ?? Number.NaN);

/** No element the hostile data tried to plant exists, and none of its scripts ran. */
async function nothingPlanted(t: Test, page: Page, label: string): Promise<void> {
  t.equal(await page.locator(PLANTED).count(), 0, `${label}: no planted element`);
  t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? null), null, `${label}: no planted script ran`);
}

t.test('fleet pages in chromium, per role', async (t) => {
  const d = await dashboardServer(t, 'sqlite');
  await seedFleet(t, d, 2, 16);
  const evil = await enrollAt(d, 'ch-plateau', 'workstation', 'evil-host');
  const profile = (ssid: string) => ({ ssid, key_management: 'wpa-psk', cipher: null, autoconnect: true, mode: 'managed' as const, eap: null });
  const report = withWifi(
    withListeners(reportOf(evil, { collected_at: d.clock.now().toISOString(), host: { hostname: HOSTILE } }), [listener(4444, '0.0.0.0', 'tcp', HOSTILE)]),
    { profiles: [profile(HOSTILE_SSID), profile(HOSTILE_PROFILE)] },
  );
  await send(t, d.app, evil, report);

  // What the pages are compared with: the API, read with a session of its own.
  const api = await fullSession(d.app, d.db, 'api-rssi', 'rssi', d.clock.now());
  const apiGet = async <T,>(url: string) => (await d.app.inject({ method: 'GET', url, cookies: api.cookies })).json() as T;
  const rulesHtml = (await d.app.inject({ method: 'GET', url: '/rules', cookies: api.cookies })).body;
  // The rule failing on most hosts (its count links to them).
  const failingRule = [...rulesHtml.matchAll(/href="\/hosts\?rule=([A-Z]+-\d+)&amp;status=fail">(\d+)</g)].sort((a, b) => Number(b[2]) - Number(a[2]))[0]![1]!;
  const failingList = (await d.app.inject({ method: 'GET', url: `/hosts?rule=${failingRule}&status=fail`, cookies: api.cookies })).body;
  const failingSite = /<td>(ch[a-z-]+)<\/td>/.exec(failingList)![1]!;
  const auditId = (await apiGet<{ audits: Array<{ audit_id: string }> }>('/api/v1/audits')).audits[0]!.audit_id;

  const browser = await launchBrowser(t);
  const users = new Map<Role, Awaited<ReturnType<typeof userWithMfa>>>();
  for (const role of ROLES) users.set(role, await userWithMfa(d, `b-${role}`, role));

  for (const role of ROLES) {
    await t.test(`${role}: the menu's pages and the detail pages pass, the others are refused`, async (t) => {
      const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await signIn(page, d, users.get(role)!);
      const menu = await page.locator('header nav a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      const expected = NAV.filter((n) => n.roles.includes(role)).map((n) => n.path);
      t.same(menu, expected, 'the menu is the role’s');
      const details = [
        ...(has(PAGE_ROLES.fleet, role) ? [`/hosts/${evil.host_id}`, `/rules/${failingRule}`, `/hosts?q=%3Cimg`] : []),
        ...(has(PAGE_ROLES.audits, role) ? [`/audits/${auditId}`] : []),
        ...(role === 'rssi' ? [`/hosts/bulk-waiver?rule=${failingRule}&status=fail`] : []),
        '/account',
      ];
      for (const path of [...menu, ...details]) {
        const response = await page.goto(path);
        t.equal(response?.status(), 200, `${role} ${path}`);
        await nothingPlanted(t, page, `${role} ${path}`);
        await checkPage(t, page, SHOTS, `${role}${path.replace(/\?.*$/, '').replace(/[/:]/g, '-')}`);
      }
      const refused = [...PAGES.filter((p) => !menu.includes(p)), ...(has(PAGE_ROLES.fleet, role) ? [] : [`/hosts/${evil.host_id}`]), ...(role === 'rssi' ? [] : ['/hosts/bulk-waiver?rule=NET-01&status=fail'])];
      for (const path of refused) {
        const response = await page.goto(path);
        t.equal(response?.status(), 403, `${role} may not open ${path}`);
      }
      t.same(dialogs, [], 'no dialog opened');
    });
  }

  await t.test('rssi: hostile data as text, counts as the API, an explanation, filters and exports, the bulk waiver', async (t) => {
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await signIn(page, d, users.get('rssi')!);

    await page.goto(`/hosts/${evil.host_id}`);
    const body = (await page.textContent('main')) ?? '';
    t.match(body, /<img src=x onerror=/, 'the hostname and process name are shown as text');
    t.match(body, /⟨U\+202E⟩evil⟨U\+0007⟩/, 'their RTL override and bell are visible');
    t.match(body, /<svg onload=/, 'an SSID is shown as text');
    t.match(body, /"'><script>window\.__xss=3<\/script>⟨U\+202E⟩profil⟨U\+0007⟩/, 'a profile name with quotes, a script tag, RTL and a bell is shown as text');

    // Counts: the overview and the hosts list say what the API says.
    const apiHosts = (await apiGet<{ hosts: Array<{ verdicts: { fail: number } }> }>('/api/v1/hosts?limit=1000')).hosts;
    await page.goto('/overview');
    t.equal(countIn((await page.textContent('main')) ?? '', /([\d\s\u202f]+) hôtes actifs/), apiHosts.length, 'active hosts on the overview = the API’s');
    await page.goto('/hosts?any=fail');
    t.equal(countIn((await page.textContent('main')) ?? '', /([\d\s\u202f]+) hôtes correspondent/), apiHosts.filter((h) => h.verdicts.fail > 0).length, 'hosts with a failing verdict = the API’s');

    // A failing verdict, followed from the rules page, shows the API's explanation.
    await page.goto('/rules');
    await Promise.all([page.waitForURL(/status=fail/), page.click(`a[href="/hosts?rule=${failingRule}&status=fail"]`)]);
    await Promise.all([page.waitForURL(/\/hosts\/[0-9a-f-]{36}$/), page.locator('tbody a[href^="/hosts/"]').first().click()]);
    const hostId = new URL(page.url()).pathname.split('/').pop()!;
    const verdicts = await apiGet<{ verdicts: Array<{ rule_id: string; status: string; explanation: { fr: string } }> }>(`/api/v1/hosts/${hostId}/verdicts`);
    const verdict = verdicts.verdicts.find((v) => v.rule_id === failingRule)!;
    t.equal(verdict.status, 'fail');
    const row = (await page.textContent(`[id="rule-${failingRule}"]`)) ?? '';
    t.match(row, /non conforme/, 'the status as text');
    t.ok(row.replace(/\s+/g, ' ').includes(verdict.explanation.fr.replace(/\s+/g, ' ')), 'the explanation the API gives');
    await checkPage(t, page, SHOTS, 'rssi-failing-verdict');

    // A filter combination made with the form narrows the list; both exports have its rows.
    await page.goto('/hosts');
    const all = countIn((await page.textContent('main')) ?? '', /([\d\s\u202f]+) hôtes correspondent/);
    await page.selectOption('select[name=site]', failingSite);
    await page.selectOption('select[name=rule]', failingRule);
    await page.selectOption('select[name=status]', 'fail');
    await Promise.all([page.waitForURL(/site=/), page.click('form[role=search] button[type=submit]')]);
    const url = new URL(page.url());
    t.equal(url.searchParams.get('rule'), failingRule, 'the filter is in the URL');
    const narrowed = countIn((await page.textContent('main')) ?? '', /([\d\s\u202f]+) hôtes correspondent/);
    t.ok(narrowed > 0 && narrowed < all, `the filters narrow the list: ${narrowed} of ${all}`);
    const listed = (await page.locator('tbody a[href^="/hosts/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.slice('/hosts/'.length)))).sort();
    t.equal(listed.length, narrowed);
    const csvHref = await page.getAttribute('a[href^="/hosts/export.csv"]', 'href');
    const csv = await (await page.request.get(csvHref!)).text();
    t.ok(csv.startsWith('\uFEFFhost_id,'), 'CSV with BOM and header');
    t.same(csv.trim().split('\n').slice(1).map((line) => line.split(',')[0]).sort(), listed, 'the CSV export has the same rows');
    const jsonHref = await page.getAttribute('a[href^="/hosts/export.json"]', 'href');
    const json = (await (await page.request.get(jsonHref!)).json()) as { hosts: Array<{ host_id: string; rule_status: string }> };
    t.same(json.hosts.map((h) => h.host_id).sort(), listed, 'the JSON export has the same rows');
    t.ok(json.hosts.every((h) => h.rule_status === 'fail'), 'each with the rule’s verdict');
    await checkPage(t, page, SHOTS, 'rssi-hosts-filtered');

    // The bulk action of that filter: the count is shown and confirmed, then the waivers exist.
    await Promise.all([page.waitForURL(/\/hosts\/bulk-waiver\?/), page.click('a[href^="/hosts/bulk-waiver"]')]);
    t.match((await page.textContent('main')) ?? '', new RegExp(`Cette action crée ${narrowed} dérogations à la règle ${failingRule}`), 'the count is shown');
    await checkPage(t, page, SHOTS, 'rssi-bulk-waiver');
    await page.fill('#justification', 'Mise à jour éditeur planifiée pour ces postes');
    await page.fill('#expires', new Date(d.clock.now().getTime() + 30 * DAY).toISOString().slice(0, 10));
    await page.check('input[name=confirm]');
    await Promise.all([page.waitForURL(/bulk=\d+/), page.click('main form button[type=submit]')]);
    t.match((await page.textContent('main')) ?? '', new RegExp(`${narrowed} dérogations à la règle ${failingRule} créées par b-rssi`), 'the result, read from the audit log');
    const waivers = (await apiGet<{ waivers: Array<{ scope_text: string; justification: string }> }>('/api/v1/waivers')).waivers.filter((w) => w.justification === 'Mise à jour éditeur planifiée pour ces postes');
    t.same(waivers.map((w) => w.scope_text.replace('host:', '')).sort(), listed, 'one waiver per host of the filter');
    await checkPage(t, page, SHOTS, 'rssi-bulk-done');
  });

  await t.test('rssi: a waiver made with the keyboard alone', async (t) => {
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await signIn(page, d, users.get('rssi')!);
    // Keyboard only: Tab to the form, fill every field, Tab to the button, submit with Enter.
    // The date field is the browser's own control: in a French chromium it has the segments
    // jj, mm, aaaa (typing a full segment moves to the next) and then its calendar button, one
    // more Tab stop before the form's button.
    t.ok(existsSync(CHROMIUM_UI_LOCALE), 'chromium speaks French (Debian chromium-l10n): date fields read jj/mm/aaaa');
    await page.goto('/waivers');
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    const tabTo = async (id: string, bound: number) => {
      for (let i = 0; i < bound && (await focused()) !== id; i++) await page.keyboard.press('Tab');
      return (await focused()) === id;
    };
    t.ok(await tabTo('rule', 300), 'the rule field is reached with Tab');
    await page.keyboard.press('ArrowDown');
    const rule = await page.evaluate(() => (document.querySelector('#rule') as HTMLSelectElement).value);
    t.not(rule, await page.evaluate(() => (document.querySelector('#rule option') as HTMLOptionElement).value), 'ArrowDown picks the next rule');
    await page.keyboard.press('Tab');
    t.equal(await focused(), 'scope', 'Tab: scope');
    await page.keyboard.type('site:ch-plateau');
    await page.keyboard.press('Tab');
    t.equal(await focused(), 'justification', 'Tab: justification (the hint is read, not a stop)');
    await page.keyboard.type('Remplacement du poste prévu, saisi au clavier');
    await page.keyboard.press('Tab');
    t.equal(await focused(), 'expires', 'Tab: end date');
    const expires = new Date(d.clock.now().getTime() + 20 * DAY);
    const [yyyy, mm, dd] = [String(expires.getUTCFullYear()), String(expires.getUTCMonth() + 1).padStart(2, '0'), String(expires.getUTCDate()).padStart(2, '0')];
    await page.keyboard.type(`${dd}${mm}${yyyy}`);
    t.equal(await page.evaluate(() => (document.querySelector('#expires') as HTMLInputElement).value), `${yyyy}-${mm}-${dd}`, 'the date typed as jj mm aaaa');
    let tabs = 0;
    const onSubmit = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el instanceof HTMLButtonElement && el.type === 'submit' && el.form?.getAttribute('action') === '/waivers';
      });
    while (tabs < 3 && !(await onSubmit())) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    t.ok(await onSubmit(), `Tab reaches the form's button (${tabs} stops after the year: the calendar button, then the button)`);
    await Promise.all([page.waitForURL(/created=/), page.keyboard.press('Enter')]);
    const id = new URL(page.url()).searchParams.get('created');
    t.ok(id, 'the waiver was created');
    const row = (await page.textContent(`[id="w-${id}"]`)) ?? '';
    t.match(row, /Remplacement du poste prévu, saisi au clavier/, 'its justification');
    t.match(row, rule, 'its rule');
    t.match(row, `${dd}/${mm}/${yyyy}`, 'its end date, as typed');
    await checkPage(t, page, SHOTS, 'rssi-waiver-keyboard');
  });
});
