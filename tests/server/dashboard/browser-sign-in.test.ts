// Signing in from a real browser (chromium): first-login MFA enrolment with the QR code and the
// recovery codes, sign-in with a real TOTP code, recovery code, wrong code and lockout messages,
// sign-out, password change, and a forged post without CSRF token. Every page visited has zero
// CSP and zero axe-core (WCAG 2.1 AA) violations; screenshots go to tests/artifacts/dashboard/.
import t from 'tap';
import { createAccount } from '../../../server/auth/accounts.js';
import { totpCode } from '../../../server/auth/totp.js';
import { checkPage, launchBrowser, openPage } from '../../helpers/browser.js';
import { PASSWORD } from '../auth/helpers.js';
import { dashboardServer, nextCode, seedFleet, signIn, userWithMfa } from './fixture.js';

const SHOTS = 'dashboard';

t.test('browser sign-in, enrolment, recovery, lockout, sign-out, password change (sqlite)', async (t) => {
  const d = await dashboardServer(t, 'sqlite');
  await seedFleet(t, d, 2, 12);
  const browser = await launchBrowser(t);

  await t.test('first sign-in: password alone, then MFA enrolment with the QR code and recovery codes', async (t) => {
    await createAccount(d.db, { username: 'rssi-neuve', role: 'rssi', password: PASSWORD }, { type: 'cli', id: 'tests' }, d.clock.now());
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await page.goto('/login');
    await checkPage(t, page, SHOTS, 'login');
    await page.fill('#username', 'rssi-neuve');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL('**/account'), page.click('button[type=submit]')]);
    t.match(await page.textContent('main'), /activer la double authentification/);
    await checkPage(t, page, SHOTS, 'account-setup');
    // A setup session cannot open the dashboard yet.
    await page.goto('/overview');
    t.equal(new URL(page.url()).pathname, '/account', 'setup session sent back to its account page');

    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
    const qr = page.locator('img.qr');
    t.ok(await qr.getAttribute('src').then((s) => s?.startsWith('data:image/png;base64,')), 'QR code shown as an image');
    t.ok(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth > 0), 'QR code image decoded (the CSP allows it)');
    const secret = (await page.textContent('code.secret'))!.replace(/\s+/g, '');
    t.match(secret, /^[A-Z2-7]{16,}$/, 'manual key shown in base32');
    await checkPage(t, page, SHOTS, 'mfa-enrolment');

    // A wrong code is refused with a way to start again.
    await page.fill('#code', '000000' === totpCode(secret, d.clock.now()) ? '111111' : '000000');
    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
    t.match(await page.textContent('main'), /ne correspond pas/);
    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
    const secret2 = (await page.textContent('code.secret'))!.replace(/\s+/g, '');
    t.not(secret2, secret, 'a new key is offered');
    await page.fill('#code', nextCode(d.clock, secret2));
    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
    const codes = await page.locator('ul.codes code').allTextContents();
    t.equal(codes.length, 10, 'ten recovery codes shown once');
    await checkPage(t, page, SHOTS, 'recovery-codes');
    await Promise.all([page.waitForURL('**/overview'), page.click('main a')]);
    t.match(await page.textContent('h1'), /Vue d’ensemble/);

    // Sign out, then in again with a recovery code.
    await Promise.all([page.waitForURL('**/login?done=logout'), page.click('header form button')]);
    t.match(await page.textContent('main'), /Vous êtes déconnecté/);
    await page.goto('/overview');
    t.equal(new URL(page.url()).pathname, '/login', 'signed out: the dashboard asks to sign in');
    t.equal(new URL(page.url()).searchParams.get('next'), '/overview', 'and remembers where to go back');
    await page.fill('#username', 'rssi-neuve');
    await page.fill('#password', PASSWORD);
    await page.fill('#code', codes[0]!);
    await Promise.all([page.waitForURL('**/overview'), page.click('button[type=submit]')]);
    t.pass('signed in with a recovery code, back to the page asked for');
  });

  await t.test('wrong codes: one message for every mistake, then the lockout message', async (t) => {
    const user = await userWithMfa(d, 'tech-lock', 'technician');
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    let last = '';
    for (let attempt = 0; attempt < 12; attempt++) {
      await page.goto('/login');
      await page.fill('#username', user.username);
      await page.fill('#password', attempt % 2 === 0 ? 'wrong password here' : user.password);
      await page.fill('#code', '123456');
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      last = (await page.textContent('main [role=alert]')) ?? '';
      if (/Trop d’échecs/.test(last)) break;
      t.match(last, /Identifiant, mot de passe ou code incorrect/, `attempt ${attempt + 1}: one generic message`);
    }
    t.match(last, /Trop d’échecs de connexion : réessayez dans \d+ min/, 'lockout message with its delay');
    await checkPage(t, page, SHOTS, 'login-locked');
    // The lock covers this address too (every test signs in from 127.0.0.1): let it pass.
    d.clock.advance(60 * 60_000);
  });

  await t.test('password change, and a forged post without CSRF token is refused', async (t) => {
    const user = await userWithMfa(d, 'auditrice', 'auditor');
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await signIn(page, d, user);
    t.equal(new URL(page.url()).pathname, '/overview');
    await page.goto('/account/password');
    await checkPage(t, page, SHOTS, 'password-change');
    await page.fill('#current_password', user.password);
    await page.fill('#new_password', 'another long passphrase 42');
    await page.fill('#repeat_password', 'another long passphrase 42');
    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
    t.match(await page.textContent('main'), /Mot de passe changé/);

    // The same post from the page's own origin, but without the form's token: refused.
    const forged = await page.evaluate(async () => {
      const response = await fetch('/account/password', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'current_password=x&new_password=yyyyyyyyyyyyyyyy&repeat_password=yyyyyyyyyyyyyyyy',
      });
      return { status: response.status, text: await response.text() };
    });
    t.equal(forged.status, 403, 'forged post without CSRF token refused');
    t.match(forged.text, /jeton de sécurité/);
    const wrongToken = await page.evaluate(async () => {
      const response = await fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      return response.status;
    });
    t.equal(wrongToken, 403, 'a wrong CSRF token is refused too');
  });

  await t.test('role isolation: a vendor cannot open the fleet pages', async (t) => {
    const vendor = await userWithMfa(d, 'presta', 'vendor');
    const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
    await signIn(page, d, vendor);
    const response = await page.goto('/overview');
    t.equal(response?.status(), 403);
    t.match(await page.textContent('main'), /Votre rôle ne permet pas/);
    t.equal(await page.locator('header nav').count(), 0, 'a vendor has no fleet menu');
    await checkPage(t, page, SHOTS, 'forbidden-vendor');
  });
});
