// Real-browser tests: Debian's /usr/bin/chromium driven by playwright-core (never a downloaded
// browser). One browser per test file, reused by its tests; each test gets a fresh context with a
// fixed viewport, locale, timezone and clock, so two runs give the same pixels.
//
// Every page is checked for CSP violations (a securitypolicyviolation listener installed before
// any page script) and for axe-core violations at WCAG 2.1 AA (axe's source is evaluated in the
// page: a <script> tag would be refused by the very CSP under test).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const VIEWPORT = { width: 1280, height: 900 };
/**
 * The browser's own language (native controls: the segments of <input type=date> read jj/mm/aaaa).
 * The context's `locale` only sets navigator.language, Intl and Accept-Language; the native
 * controls follow the browser's UI locale, which needs Debian's chromium-l10n (fr.pak) and these.
 */
export const CHROMIUM_UI_LOCALE = join('/usr/lib/chromium/locales', 'fr.pak');
const CHROMIUM_ENV = { LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr' };
export const ARTIFACTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Launch chromium once for the test file `t` (playwright gives it a fresh temporary profile); closed at its end. */
export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--lang=fr'], env: { ...process.env, ...CHROMIUM_ENV } });
  t.teardown(() => browser.close());
  return browser;
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
}

/** A fresh context (no cookies) and page; the page's clock is fixed at `now`. */
export async function openPage(t: Test, browser: Browser, baseURL: string, now: Date): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL,
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    reducedMotion: 'reduce',
  });
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  await page.clock.setFixedTime(now);
  t.teardown(() => context.close());
  return { context, page };
}

/** CSP violations reported on the current page since it loaded. */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core violations of WCAG 2.0/2.1 A and AA rules on the current page. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}

/** A full-page screenshot kept as a test artifact: tests/artifacts/<group>/<name>.png. */
export async function screenshot(page: Page, group: string, name: string): Promise<string> {
  const dir = join(ARTIFACTS_DIR, group);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** The page passes the bar: no CSP violation, no axe violation; a screenshot is kept. */
export async function checkPage(t: Test, page: Page, group: string, name: string): Promise<void> {
  t.same(await cspViolations(page), [], `${name}: no CSP violation`);
  const axe = await axeViolations(page);
  t.same(axe, [], `${name}: no axe-core WCAG 2.1 AA violation`);
  await screenshot(page, group, name);
}
