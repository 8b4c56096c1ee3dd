// Test helpers: users with a finished setup (password + TOTP) and their session cookies.
import type { App } from '../../../server/app.js';
import { createAccount } from '../../../server/auth/accounts.js';
import type { Role } from '../../../server/auth/roles.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../../server/auth/session.js';
import { totpCode } from '../../../server/auth/totp.js';
import type { Database } from '../../../server/db/schema.js';

export const PASSWORD = 'correct horse battery staple';

export interface TestSession {
  username: string;
  cookies: Record<string, string>;
  csrf: string;
  totpSecret: string | null;
  /** Headers for a state-changing request with this session. */
  headers: Record<string, string>;
}

export function sessionOf(response: { cookies: { name: string; value: string }[]; json(): unknown }, username: string, totpSecret: string | null): TestSession {
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (cookie === undefined) throw new Error('no session cookie');
  const csrf = (response.json() as { csrf_token: string }).csrf_token;
  return { username, cookies: { [SESSION_COOKIE]: cookie.value }, csrf, totpSecret, headers: { [CSRF_HEADER]: csrf } };
}

/** A user created with PASSWORD, logged in, in the setup stage (no MFA yet). */
export async function setupSession(app: App, db: Database, username: string, role: Role, now: Date): Promise<TestSession> {
  await createAccount(db, { username, role, password: PASSWORD }, { type: 'cli', id: 'tests' }, now);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PASSWORD } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  return sessionOf(login, username, null);
}

/** A user with MFA enrolled and a full session (enrolment confirmed at `now`). */
export async function fullSession(app: App, db: Database, username: string, role: Role, now: Date): Promise<TestSession & { recoveryCodes: string[] }> {
  const session = await setupSession(app, db, username, role, now);
  const enroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: session.cookies, headers: session.headers });
  if (enroll.statusCode !== 200) throw new Error(`enroll failed: ${enroll.body}`);
  const secret = (enroll.json() as { secret: string }).secret;
  const confirm = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/mfa/confirm',
    cookies: session.cookies,
    headers: session.headers,
    payload: { code: totpCode(secret, now) },
  });
  if (confirm.statusCode !== 200) throw new Error(`confirm failed: ${confirm.body}`);
  const body = confirm.json() as { stage: string; recovery_codes: string[] };
  if (body.stage !== 'full') throw new Error(`stage ${body.stage}`);
  return { ...session, totpSecret: secret, recoveryCodes: body.recovery_codes };
}
