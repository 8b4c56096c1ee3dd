// Page 9 (Télémaintenance) in a real browser (chromium), the whole flow as people do it: a vendor
// signs in (password + TOTP), registers an SSH key, asks for a window on a target with a hostile
// justification (HTML and a right-to-left override: shown as text, the override made visible); an
// RSSI approves with a fresh code, a biomedical engineer approves with the keyboard alone; the
// grant shows on the vendor's page; the RSSI revokes it. Each reviewer finds what awaits their own
// decision on the overview (in French, and in English for the biomedical engineer) and follows its link. A closed posture gate is overridden
// with a written justification and one approver more; an emergency is countersigned. Another vendor gets 404 for the request
// (reading and cancelling) and does not see it in their list. Every page: zero CSP and zero
// axe-core (WCAG 2.1 AA) violations, a screenshot kept.
import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Report } from '../../../policies/evidence.js';
import t, { type Test } from 'tap';
import { findRequest, listReviews } from '../../../server/access/requests-store.js';
import { parisLocalMinute } from '../../../server/dashboard/data/paris-local.js';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { checkPage, launchBrowser, openPage } from '../../helpers/browser.js';
import { listen, TEST_NOW } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, failingGatewayReport, healthyGatewayReport, PASSWORD, storeReport, type AccessWorld, type Person } from '../access/helpers.js';
import { BROWSER_EPOCH } from './fixture.js';

const SHOTS = 'dashboard-access';
/** A justification a hostile vendor could type: markup, and a right-to-left override hiding an extension. */
const HOSTILE_REASON = 'Mise à jour console <img src=x onerror=alert(1)><script>alert("x")</script> fichier \u202Egnp.exe';

/** An OpenSSH ed25519 public key line with `comment`. */
function sshKeyLine(comment: string): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), raw]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** The same evidence `ms` later: every instant in it moves by `ms` (backups, last events, the collection itself). */
function shifted<T extends Report | Record<string, unknown>>(evidence: T, ms: number): T {
  return JSON.parse(JSON.stringify(evidence), (_key, value: unknown) =>
    typeof value === 'string' && ISO_INSTANT.test(value) ? new Date(Date.parse(value) + ms).toISOString() : value,
  ) as T;
}

/** A fresh TOTP code: the clock moves one 30 s step first (a step is accepted once per person). */
function fresh(w: AccessWorld, p: Person): string {
  w.clock.advance(30_000);
  return w.code(p);
}

/** Sign in from the login form with password and a real TOTP code; waits to leave /login. */
async function signIn(page: Page, w: AccessWorld, p: Person): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', p.username);
  await page.fill('#password', PASSWORD);
  await page.fill('#code', fresh(w, p));
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('button[type=submit]')]);
}

/** Press Tab until the focused element matches `selector` (bounded): reaching a field with the keyboard alone. */
async function tabTo(page: Page, selector: string, limit = 120): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} not reached with ${limit} Tab presses`);
}

/** The main region's text as a reader sees it (spaces collapsed). */
const main = async (page: Page) => (await page.innerText('main')).replace(/\s+/g, ' ');

/** Submit a form and expect to land on a URL containing `expected`; else fail with the page's message. */
async function submitted(page: Page, submit: () => Promise<void>, expected: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), submit()]);
  if (!page.url().includes(expected)) throw new Error(`expected ${expected}, got ${page.url()}: ${(await page.textContent('main [role=alert], main .notice')) ?? ''}`);
}

/** The page bar (no CSP or axe violation, a screenshot) and the device credential nowhere in it. */
async function check(t: Test, page: Page, name: string): Promise<void> {
  await checkPage(t, page, SHOTS, name);
  t.notOk((await page.content()).includes(DEVICE_SECRET), `${name}: the device credential is not in the page`);
}

t.test('page 9 in chromium: a vendor asks, an RSSI and a biomedical engineer approve, the grant shows, then is revoked', async (t) => {
  const w = await accessWorld(t, 'sqlite');
  // Chromium checks cookie expiry against the real clock: the server's clock moves ahead of it,
  // and the gateways report again at that time (the posture gate wants a fresh report).
  w.clock.at = BROWSER_EPOCH;
  const shift = w.clock.at.getTime() - TEST_NOW.getTime();
  // The site's declared vendor window (TMA-02) moves with the evidence.
  for (const pack of w.packs.values()) for (const rule of pack.rules) if (rule.id === 'TMA-02') rule.parameters = shifted(rule.parameters, shift);
  await storeReport(w.db, w.packs, w.gateway, shifted(healthyGatewayReport(w.gateway), shift), w.clock.at);
  await storeReport(w.db, w.packs, w.failingGateway, shifted(failingGatewayReport(w.failingGateway), shift), w.clock.at);
  const baseURL = await listen(w.app);
  const browser = await launchBrowser(t);
  const contextFor = async (t: Test, p: Person) => {
    const { page } = await openPage(t, browser, baseURL, w.clock.at);
    await signIn(page, w, p);
    return page;
  };

  let requestUrl = '';
  let requestId = '';

  await t.test('the vendor signs in, registers an SSH key and asks for a window', async (t) => {
    const page = await contextFor(t, w.people.vendor);
    await page.goto('/access');
    t.match(await page.textContent('h1'), /Télémaintenance/);
    t.match(await main(page), /Nouvelle demande d’accès/);
    await check(t, page, 'vendor-list-empty');

    await page.click('main a[href="/access/keys"]');
    await page.waitForURL('**/access/keys');
    await check(t, page, 'vendor-keys-empty');
    await page.fill('#new-key', sshKeyLine('tech@poste <b>gras</b>'));
    await Promise.all([page.waitForURL('**/access/keys?added=*'), page.click('form[action="/access/keys"] button[type=submit]')]);
    const fingerprint = (await page.textContent('main [role=status] code')) ?? '';
    t.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/, 'the fingerprint is shown after adding');
    t.match(await page.textContent('main table'), /tech@poste <b>gras<\/b>/, 'the key comment is text');
    t.equal(await page.locator('main table b').count(), 0, 'no element came from the comment');
    await check(t, page, 'vendor-keys');

    await page.goto('/access/new');
    t.match(await main(page), /irm-vallee-01/);
    await check(t, page, 'vendor-new');
    await page.selectOption('#new-target', 'irm-vallee-01');
    // The start and end keep their defaults: from the next quarter hour, for two hours (Paris time).
    const start = await page.inputValue('#new-start');
    const end = await page.inputValue('#new-end');
    t.match(start, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    await page.fill('#new-reason', HOSTILE_REASON);
    await page.fill('#new-ticket', 'CHG-2035-001');
    await Promise.all([page.waitForURL('**/access/requests/*?done=created'), page.click('form[action="/access/requests"] button[type=submit]')]);
    requestUrl = new URL(page.url()).pathname;
    requestId = requestUrl.split('/').pop()!;
    t.match(await page.textContent('main [role=status]'), /Demande déposée/);
    const reason = (await page.textContent('main .justification')) ?? '';
    t.match(reason, /<img src=x onerror=alert\(1\)><script>alert\("x"\)<\/script>/, 'the HTML of the justification is shown as text');
    t.match(reason, /⟨U\+202E⟩gnp\.exe/, 'the right-to-left override is made visible, not obeyed');
    t.equal(await page.locator('main .justification *:not(bdi)').count(), 0, 'no element came from the justification');
    t.equal(await page.locator('main form[action$="/review"]').count(), 0, 'no review form for the vendor');
    t.notMatch(await main(page), /Contrôle de posture de la passerelle/, 'the vendor is not shown the gateway posture');
    await check(t, page, 'vendor-request-pending');
    const stored = (await findRequest(w.db, requestId))!;
    t.equal(stored.state, 'pending');
    t.equal(stored.ticket, 'CHG-2035-001');
    t.equal(stored.reason, HOSTILE_REASON, 'stored as typed');
    t.not(start, end);
  });

  await t.test('another vendor: 404 for reading and cancelling, absent from their list', async (t) => {
    const page = await contextFor(t, w.people.otherVendor);
    const read = await page.goto(requestUrl);
    t.equal(read?.status(), 404, 'reading another vendor’s request: 404');
    await check(t, page, 'other-vendor-404');
    await page.goto('/access/keys');
    const csrf = await page.getAttribute('form[action="/access/keys"] input[name=_csrf]', 'value');
    t.ok(csrf, 'their own form token');
    const cancel = await page.request.post(`${requestUrl}/cancel`, { form: { _csrf: csrf!, reason: 'not mine' }, maxRedirects: 0 });
    t.equal(cancel.status(), 404, 'cancelling it with a valid token: 404');
    const review = await page.request.post(`${requestUrl}/review`, { form: { _csrf: csrf!, decision: 'approve', totp_code: fresh(w, w.people.otherVendor) }, maxRedirects: 0 });
    t.equal(review.status(), 403, 'vendors never review');
    await page.goto('/access');
    t.equal(await page.locator(`a[href="${requestUrl}"]`).count(), 0, 'their list does not show it');
    t.notMatch(await main(page), /Acme Imaging/, 'nor the other company’s name');
    await check(t, page, 'other-vendor-list');
    t.equal((await findRequest(w.db, requestId))!.state, 'pending', 'still pending');
  });

  await t.test('the RSSI finds it pending with the quorum and the posture, and approves with a fresh code', async (t) => {
    const page = await contextFor(t, w.people.rssi);
    // The overview says what awaits the RSSI's own decision, with a link to it.
    await page.goto('/overview');
    t.match(await page.innerText('#awaiting'), /En attente de votre décision\s+1 demande\(s\) d’accès attendent votre décision/);
    t.match(await page.innerText(`#awaiting tr:has(a[href="${requestUrl}"])`), /Examiner .*irm-vallee-01.*jdupont/s, 'the request, its device and requester');
    await check(t, page, 'rssi-overview-awaiting');
    await Promise.all([page.waitForURL(`**${requestUrl}`), page.click(`#awaiting a[href="${requestUrl}"]`)]);
    t.equal(await page.locator('main form[action$="/review"]').count(), 1, 'the link leads to the review form');
    await page.goto('/access');
    await check(t, page, 'rssi-list');
    await page.click('main a[href="/access/targets"]');
    await page.waitForURL('**/access/targets');
    t.match(await main(page), /2 équipement\(s\), dont 1 derrière une passerelle qui ne passe pas le contrôle de posture/);
    await check(t, page, 'rssi-targets');
    await page.goto('/access');
    await Promise.all([page.waitForURL('**/access?state=pending'), page.click('main .tiles a[href="/access?state=pending"]')]);
    t.match(await main(page), /manque : 1 RSSI, 1 ingénieur biomédical/);
    await Promise.all([page.waitForURL(`**${requestUrl}`), page.click(`main a[href="${requestUrl}"]`)]);
    t.match(await main(page), /0 approbation\(s\) sur 2/);
    t.match(await main(page), /Contrôle de posture de la passerelle/);
    t.match(await page.textContent('main .justification'), /<img src=x/, 'the reviewer sees the same text');
    await check(t, page, 'rssi-request');
    await page.check('input[name=decision][value=approve]');
    await page.fill('#review-comment', 'OK côté RSSI');
    await page.fill('#review-totp', fresh(w, w.people.rssi));
    await submitted(page, () => page.click('form[action$="/review"] button[type=submit]'), 'done=reviewed');
    t.match(await main(page), /1 approbation\(s\) sur 2 · manque : 1 ingénieur biomédical/);
    t.match(await main(page), /Vous avez déjà donné votre avis/);
    await check(t, page, 'rssi-reviewed');
    await page.goto('/overview');
    t.match(await page.innerText('#awaiting'), /Aucune demande d’accès n’attend votre décision/, 'reviewed: no longer awaiting the RSSI');
  });

  await t.test('the biomedical engineer approves with the keyboard alone; the quorum is reached', async (t) => {
    const page = await contextFor(t, w.people.bio);
    // In English, the overview shows the request still awaiting the biomedical engineer.
    await page.goto(`/lang/en?back=${encodeURIComponent('/overview')}`);
    await page.waitForURL('**/overview');
    t.match(await page.innerText('#awaiting'), /Awaiting your decision\s+1 access request\(s\) awaiting your decision/);
    t.match(await page.innerText(`#awaiting tr:has(a[href="${requestUrl}"])`), /Review \(approve or deny\)/);
    await check(t, page, 'bio-overview-awaiting-en');
    await page.goto(`/lang/fr?back=${encodeURIComponent(requestUrl)}`);
    await page.waitForURL(`**${requestUrl}`);
    await tabTo(page, 'input[name=decision][value=approve]');
    await page.keyboard.press('Space');
    t.ok(await page.isChecked('input[name=decision][value=approve]'), 'approve chosen with the space bar');
    await tabTo(page, '#review-comment');
    await page.keyboard.type('Contrat de maintenance vérifié');
    await tabTo(page, '#review-totp');
    await page.keyboard.type(fresh(w, w.people.bio));
    await submitted(page, () => page.keyboard.press('Enter'), 'done=approved');
    t.match(await page.textContent('main [role=status]'), /le quorum est atteint, l’autorisation est ouverte/);
    t.match(await main(page), /2 approbation\(s\) sur 2/);
    await check(t, page, 'bio-approved');
    const reviews = await listReviews(w.db, requestId);
    t.same(reviews.map((r) => [r.reviewer, r.decision]).sort(), [['bio-claire', 'approve'], ['rssi-anne', 'approve']]);
    t.equal((await findRequest(w.db, requestId))!.state, 'approved');
  });

  await t.test('the vendor sees the grant, then the RSSI revokes it and the vendor sees that', async (t) => {
    const vendor = await contextFor(t, w.people.vendor);
    await vendor.goto(requestUrl);
    t.match(await main(vendor), /Autorisation .* autorisation ouverte, pas encore utilisée/);
    t.match(await main(vendor), /approuvée/);
    await check(t, vendor, 'vendor-grant');

    const rssi = await contextFor(t, w.people.rssi);
    await rssi.goto(requestUrl);
    await rssi.fill('#revoke-reason', 'Intervention reportée <i>demain</i>');
    await Promise.all([rssi.waitForURL('**?done=revoked'), rssi.click('form[action$="/revoke"] button[type=submit]')]);
    t.match(await main(rssi), /révoquée/);
    t.equal(await rssi.locator('main form[action$="/revoke"]').count(), 0, 'no revoke form once revoked');
    await check(t, rssi, 'rssi-revoked');
    t.equal((await findRequest(w.db, requestId))!.state, 'revoked');

    await vendor.reload();
    t.match(await main(vendor), /révoquée/);
    t.match(await main(vendor), /Intervention reportée <i>demain<\/i>/, 'the revoke reason is text');
    t.equal(await vendor.locator('main i').count(), 0);
    await vendor.goto('/access?state=revoked');
    t.equal(await vendor.locator(`main a[href="${requestUrl}"]`).count(), 1, 'listed under revoked');
    await check(t, vendor, 'vendor-list-revoked');
  });

  await t.test('a closed posture gate overridden on the page, and an emergency countersigned', async (t) => {
    const vendor = await contextFor(t, w.people.vendor);
    await vendor.goto('/access/new');
    await vendor.selectOption('#new-target', 'ct-vallee-01');
    await vendor.fill('#new-reason', 'Scanner CT en panne, diagnostic constructeur');
    await vendor.fill('#new-ticket', 'CHG-2035-002');
    await submitted(vendor, () => vendor.click('form[action="/access/requests"] button[type=submit]'), 'done=created');
    const gated = new URL(vendor.url()).pathname;

    await vendor.goto('/access/new');
    await vendor.selectOption('#new-target', 'irm-vallee-01');
    await vendor.check('input[name=emergency]');
    await vendor.fill('#new-end', parisLocalMinute(new Date(w.clock.at.getTime() + 90 * 60_000)));
    await vendor.fill('#new-reason', 'IRM à l’arrêt, patients en attente');
    await vendor.fill('#new-ticket', 'URG-2035-001');
    await submitted(vendor, () => vendor.click('form[action="/access/requests"] button[type=submit]'), 'done=created');
    const emergency = new URL(vendor.url()).pathname;
    t.match(await main(vendor), /urgence \(bris de glace\)/);
    await check(t, vendor, 'vendor-emergency-pending');

    const rssi = await contextFor(t, w.people.rssi);
    await rssi.goto(gated);
    t.match(await main(rssi), /non conforme fermée/);
    t.match(await main(rssi), /TMA-05/, 'the failing rule is named with its explanation');
    await check(t, rssi, 'rssi-gate-closed');
    await rssi.check('input[name=decision][value=approve]');
    await rssi.fill('#review-totp', fresh(w, w.people.rssi));
    await Promise.all([rssi.waitForNavigation(), rssi.click('form[action$="/review"] button[type=submit]')]);
    t.match(await rssi.textContent('main [role=alert]'), /ne passe pas le contrôle de posture/, 'approval without a justification is refused');
    t.ok(await rssi.isChecked('input[name=decision][value=approve]'), 'the decision typed is kept');
    await check(t, rssi, 'rssi-gate-refused');
    await rssi.fill('#review-override', 'Panne bloquante du scanner, tunnel chiffré remis demain <b>urgent</b>');
    await rssi.fill('#review-totp', fresh(w, w.people.rssi));
    await submitted(rssi, () => rssi.click('form[action$="/review"] button[type=submit]'), 'done=reviewed');
    t.match(await main(rssi), /Contrôle de posture outrepassé/);
    t.match(await main(rssi), /Panne bloquante du scanner, tunnel chiffré remis demain <b>urgent<\/b>/, 'the justification is text');
    t.match(await main(rssi), /1 approbation\(s\) sur 3/, 'one approver more than the quorum');
    await check(t, rssi, 'rssi-gate-overridden');

    const bio = await contextFor(t, w.people.bio);
    await bio.goto(gated);
    await bio.check('input[name=decision][value=approve]');
    await bio.fill('#review-totp', fresh(w, w.people.bio));
    await submitted(bio, () => bio.click('form[action$="/review"] button[type=submit]'), 'done=reviewed');
    t.match(await main(bio), /2 approbation\(s\) sur 3/);
    const bio2 = await contextFor(t, w.people.bio2);
    await bio2.goto(gated);
    await bio2.check('input[name=decision][value=approve]');
    await bio2.fill('#review-totp', fresh(w, w.people.bio2));
    await submitted(bio2, () => bio2.click('form[action$="/review"] button[type=submit]'), 'done=approved');
    await bio2.goto('/access?target=ct-vallee-01');
    t.match(await bio2.innerText(`main tr:has(a[href="${gated}"])`), /contrôle de posture outrepassé/, 'marked in the list');
    await check(t, bio2, 'bio-list-override');
    await vendor.goto(gated);
    t.match(await main(vendor), /Contrôle de posture outrepassé/, 'marked for the vendor too');

    // The emergency: one approver opens it, another countersigns.
    await bio.goto(emergency);
    await bio.check('input[name=decision][value=approve]');
    await bio.fill('#review-totp', fresh(w, w.people.bio));
    await submitted(bio, () => bio.click('form[action$="/review"] button[type=submit]'), 'done=approved');
    t.match(await main(bio), /à contresigner/);
    t.equal(await bio.locator('form[action$="/countersign"]').count(), 0, 'the approver does not countersign');
    await check(t, bio, 'bio-emergency-approved');
    // The RSSI finds the emergency to countersign on the overview.
    await rssi.goto('/overview');
    t.match(await rssi.innerText(`#awaiting tr:has(a[href="${emergency}"])`), /Contresigner l’urgence/);
    await check(t, rssi, 'rssi-overview-countersign');
    await Promise.all([rssi.waitForURL(`**${emergency}`), rssi.click(`#awaiting a[href="${emergency}"]`)]);
    t.match(await main(rssi), /À contresigner avant le/);
    await rssi.fill('#countersign-comment', 'Vu, justifié');
    await rssi.fill('#countersign-totp', fresh(w, w.people.rssi));
    await submitted(rssi, () => rssi.click('form[action$="/countersign"] button[type=submit]'), 'done=countersigned');
    t.match(await main(rssi), /Contresignée par rssi-anne/);
    await check(t, rssi, 'rssi-emergency-countersigned');
    const stored = (await findRequest(w.db, emergency.split('/').pop()!))!;
    t.equal(stored.countersigned_by, 'rssi-anne');
    t.equal((await findRequest(w.db, gated.split('/').pop()!))!.posture_override?.by, 'rssi-anne');
  });

  await t.test('journalled by the domain; the device credential in no page, log line or audit entry', async (t) => {
    const actions = (await listAuditEntries(w.db, { limit: 1000 })).filter((e) => e.target === `access_request:${requestId}`).map((e) => e.action);
    for (const action of ['access.requested', 'access.review_approved', 'access.approved', 'access.revoked']) t.ok(actions.includes(action), `${action} journalled`);
    t.equal(w.logs.filter((l) => l.includes(DEVICE_SECRET)).length, 0);
    t.equal((await listAuditEntries(w.db, { limit: 5000 })).filter((e) => JSON.stringify(e).includes(DEVICE_SECRET)).length, 0);
  });
});
