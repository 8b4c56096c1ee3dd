// The demo's ready way into the dashboard: an RSSI account set up through the real API as a person
// would (password sign-in, TOTP enrolment confirmed with a code of the secret, as an authenticator
// app computes it), and 90 days of trends behind today's real nightly audit. What main.ts prints
// from here lets a newcomer open the dashboard at once: the URL, the username and password, the
// TOTP secret (for an authenticator app, or server/demo/totp-code.ts) and the recovery codes.
import { randomBytes } from 'node:crypto';
import type { App } from '../app.js';
import { createAccount } from '../auth/accounts.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../auth/session.js';
import { totpCode, totpUri } from '../auth/totp.js';
import type { Database } from '../db/schema.js';

export const DEMO_RSSI = 'rssi.demo';

export interface DemoLogin {
  username: string;
  password: string;
  /** Base32, for an authenticator app. */
  totpSecret: string;
  otpauthUri: string;
  recoveryCodes: string[];
}

function cookieOf(response: { cookies: Array<{ name: string; value: string }> }): Record<string, string> {
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (cookie === undefined) throw new Error('the demo sign-in got no session cookie');
  return { [SESSION_COOKIE]: cookie.value };
}

/** Creates the demo RSSI with a fresh random password and enrols its TOTP through the API. */
export async function demoRssiLogin(app: App, db: Database, now: () => Date): Promise<DemoLogin> {
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  await createAccount(db, { username: DEMO_RSSI, role: 'rssi', password }, { type: 'cli', id: 'demo' }, now());
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: DEMO_RSSI, password } });
  if (login.statusCode !== 200) throw new Error(`demo sign-in refused: ${login.statusCode} ${login.body}`);
  const cookies = cookieOf(login);
  const headers = { [CSRF_HEADER]: (login.json() as { csrf_token: string }).csrf_token };
  const enroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies, headers });
  if (enroll.statusCode !== 200) throw new Error(`demo TOTP enrolment refused: ${enroll.statusCode} ${enroll.body}`);
  const totpSecret = (enroll.json() as { secret: string }).secret;
  const confirm = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies, headers, payload: { code: totpCode(totpSecret, now()) } });
  if (confirm.statusCode !== 200) throw new Error(`demo TOTP confirmation refused: ${confirm.statusCode} ${confirm.body}`);
  const recoveryCodes = (confirm.json() as { recovery_codes: string[] }).recovery_codes;
  await app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies, headers });
  return { username: DEMO_RSSI, password, totpSecret, otpauthUri: totpUri(totpSecret, DEMO_RSSI), recoveryCodes };
}
