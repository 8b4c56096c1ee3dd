// The fleet and governance pages in a real browser (chromium), per role: every page of the role's
// menu opens with zero CSP and zero axe-core (WCAG 2.1 AA) violations (screenshots kept), pages
// outside the role answer a 403 page, a waiver is created with the keyboard alone, and hostile
// agent data (HTML, quotes, RTL override and control characters in a hostname, a process name
// and an SSID) renders as text: no planted element exists and no script ran.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { Role } from '../../../server/auth/roles.js';
import { NAV } from '../../../server/dashboard/nav.js';
import { checkPage, CHROMIUM_UI_LOCALE, launchBrowser, openPage } from '../../helpers/browser.js';
import { listener, withListeners, withWifi } from '../../helpers/report-builder.js';
import { send } from '../audit/helpers.js';
import { reportOf } from '../fixture.js';
import { dashboardServer, enrollAt, seedFleet, signIn, userWithMfa } from './fixture.js';

const SHOTS = 'dashboard-fleet';
const HOSTILE = `<img src=x onerror="window.__xss=1">"'&\u202Eevil\u0007`;
const PAGES = [...new Set(NAV.map((n) => n.path))];

t.test('fleet pages in chromium, per role', async (t) => {
  const d = await dashboardServer(t, 'sqlite');
  await seedFleet(t, d, 2, 16);
  const evil = await enrollAt(d, 'ch-plateau', 'workstation', 'evil-host');
  const report = withWifi(
    withListeners(reportOf(evil, { collected_at: d.clock.now().toISOString(), host: { hostname: HOSTILE } }), [listener(4444, '0.0.0.0', 'tcp', HOSTILE)]),
    { profiles: [{ ssid: `<svg onload="window.__xss=2">\u0000x`.replace('\u0000', '\u0001'), key_management: 'wpa-psk', cipher: null, autoconnect: true, mode: 'managed', eap: null }] },
  );
  await send(t, d.app, evil, report);
  const browser = await launchBrowser(t);
  const roles: Role[] = ['rssi', 'auditor', 'technician', 'admin', 'vendor'];
  const users = new Map<Role, Awaited<ReturnType<typeof userWithMfa>>>();
  for (const role of roles) users.set(role, await userWithMfa(d, `b-${role}`, role));

  for (const role of roles) {
    await t.test(`${role}: the menu's pages pass, the others are refused`, async (t) => {
      const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
      await signIn(page, d, users.get(role)!);
      const menu = await page.locator('header nav a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      const expected = NAV.filter((n) => n.roles.includes(role)).map((n) => n.path);
      t.same(menu, expected, 'the menu is the role’s');
      for (const path of menu) {
        const response = await page.goto(path);
        t.equal(response?.status(), 200, `${role} ${path}`);
        await checkPage(t, page, SHOTS, `${role}${path.replace(/\//g, '-')}`);
      }
      for (const path of PAGES.filter((p) => !menu.includes(p))) {
        const response = await page.goto(path);
        t.equal(response?.status(), 403, `${role} may not open ${path}`);
      }
    });
  }

  await t.test('rssi: host detail with hostile data, and a waiver made with the keyboard alone', async (t) => {
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page, d, users.get('rssi')!);
    for (const path of [`/hosts/${evil.host_id}`, '/hosts?q=%3Cimg', '/audit-log?target=host']) {
      await page.goto(path);
      t.equal(await page.locator('img[src="x"], svg[onload]').count(), 0, `${path}: no planted element`);
      t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? null), null, `${path}: no planted script ran`);
    }
    await page.goto(`/hosts/${evil.host_id}`);
    const body = (await page.textContent('main')) ?? '';
    t.match(body, /<img src=x onerror=/, 'the hostname is shown as text');
    t.match(body, /⟨U\+202E⟩evil⟨U\+0007⟩/, 'its RTL override and bell are visible');
    t.match(body, /<svg onload=/, 'the SSID is shown as text');
    await checkPage(t, page, SHOTS, 'rssi-host-hostile');
    t.same(dialogs, [], 'no dialog opened');

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
    const expires = new Date(d.clock.now().getTime() + 20 * 86_400_000);
    const [yyyy, mm, dd] = [String(expires.getUTCFullYear()), String(expires.getUTCMonth() + 1).padStart(2, '0'), String(expires.getUTCDate()).padStart(2, '0')];
    await page.keyboard.type(`${dd}${mm}${yyyy}`);
    t.equal(await page.evaluate(() => (document.querySelector('#expires') as HTMLInputElement).value), `${yyyy}-${mm}-${dd}`, 'the date typed as jj mm aaaa');
    let tabs = 0;
    const onSubmit = () => page.evaluate(() => {
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
