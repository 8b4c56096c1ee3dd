// `npm run demo` opens the dashboard to a newcomer: it prints the dashboard URL and a ready RSSI
// login (password, TOTP secret, recovery codes), and the trends page has 90 days of history
// ending on today's real audit. The test signs in with what the demo printed and a TOTP code
// computed from the printed secret, as an authenticator app would, then reads the pages.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { totpCode } from '../../../server/auth/totp.js';
import { childEnv } from '../../helpers/child-env.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const START_BOUND_MS = 600_000;
const TOTP_STEP_MS = 30_000;

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

t.test('the demo prints a ready RSSI login that opens the dashboard, with 90 days of trends', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-demo-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/demo/main.ts'), '--port', '0', '--data-dir', join(dir, 'data')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  // Bounded wait for the demo to be listening (or to die).
  const listening = await new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), START_BOUND_MS);
    const check = () => {
      if (/Ctrl\+C/.test(stdout)) {
        clearTimeout(timer);
        done(true);
      }
    };
    child.stdout.on('data', check);
    child.on('close', () => {
      clearTimeout(timer);
      done(false);
    });
  });
  t.ok(listening, `the demo is listening ${stderr.slice(-2000)}`);
  if (!listening) return;
  const printedAt = Date.now();

  const base = /Tableau de bord : (http:\/\/127\.0\.0\.1:\d+)\/login/.exec(stdout)?.[1];
  const login = /Connexion RSSI : (\S+)\s+mot de passe : (\S+)/.exec(stdout);
  const secret = /application d’authentification .*: ([A-Z2-7]{16,})\s*$/m.exec(stdout)?.[1];
  const recovery = /Codes de secours \(usage unique\) : (.+)$/m.exec(stdout)?.[1]?.trim().split(/\s+/) ?? [];
  t.ok(base, 'the dashboard URL is printed');
  t.ok(login, 'the username and password are printed');
  t.ok(secret, 'the TOTP secret is printed');
  t.match(stdout, /otpauth:\/\/totp\/Vigie:rssi\.demo\?/, 'and its otpauth URI');
  t.ok(recovery.length >= 8, 'recovery codes are printed');
  t.match(stdout, /les 89 jours qui le précèdent sont simulés/, 'the simulated history is said to be simulated');
  if (base === undefined || login === null || secret === undefined) return;

  // The helper script prints the code an authenticator app shows.
  const script = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/demo/totp-code.ts'), secret], { encoding: 'utf8', env: childEnv(), timeout: 120_000 });
  t.equal(script.status, 0, script.stderr);
  t.match(script.stdout, /^\d{6} {2}\(valid \d+ s more\)/, 'totp-code.ts prints the current code');

  // The demo confirmed the enrolment with the code of its step; a step is accepted once, so sign
  // in with the next step's code (bounded: at most one step away).
  const enrolledStep = Math.floor(printedAt / TOTP_STEP_MS);
  while (Math.floor(Date.now() / TOTP_STEP_MS) <= enrolledStep) await new Promise((r) => setTimeout(r, 250));
  const signIn = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: login[1], password: login[2], totp_code: totpCode(secret, new Date()) }),
  });
  t.equal(signIn.status, 200, 'signed in with the printed password and a TOTP code');
  t.equal(((await signIn.json()) as { stage: string }).stage, 'full', 'no setup left: a full session');
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const page = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, body: text(await response.text()) };
  };

  const overview = await page('/overview');
  t.equal(overview.status, 200, 'the overview opens');
  t.match(overview.body, /49 hôtes/, 'the 48 simulated hosts and this machine');
  const trends = await page('/trends?days=90');
  t.equal(trends.status, 200, 'the trends page opens');
  const daily = trends.body.slice(trends.body.indexOf('Comptes quotidiens'));
  t.ok(daily.length > 0, 'the daily counts table');
  const rows = [...daily.matchAll(/(\d{2}\/\d{2}\/\d{4}) (\d+(?:,\d+)?\s?%)/g)];
  t.equal(rows.length, 90, '90 days with an audit, none missing');
  const score = (s: string) => Number(s.replace(/[^\d,]/g, '').replace(',', '.'));
  const [newest, oldest] = [rows[0]!, rows[rows.length - 1]!];
  t.ok(score(oldest[2] ?? '') < score(newest[2] ?? ''), `not flat: ${oldest[1]} ${oldest[2]} → ${newest[1]} ${newest[2]}`);

  // The Télémaintenance page shows the demo's vendor requests (server/demo/access.ts).
  t.match(stdout, /Télémaintenance \(accès fournisseurs\) :/, 'the summary tells of the access demo');
  t.match(stdout, /sur une passerelle qui échoue au contrôle de posture : pla-tmg-irm-01 \(.*TMA-02/);
  const access = await page('/access');
  t.equal(access.status, 200, 'the Télémaintenance page opens');
  t.match(access.body, /irm-vallee-console .*? approuvée/, 'an approved grant on the MRI console');
  t.match(access.body, /irm-plateau-console .*? en attente .*? non conforme fermée \(TMA-02\)/, 'a request pending on a gateway that fails the gate');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'the demo stops cleanly on SIGTERM');
});
