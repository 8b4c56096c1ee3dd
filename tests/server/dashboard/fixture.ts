// Shared set-up of the dashboard tests: an app on a movable clock (listening on 127.0.0.1 for the
// browser tests), a fleet reporting through the real API with a few nightly audits behind it, and
// users of each role with MFA enrolled (their TOTP secrets known to the test).
import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import type { Role } from '../../../server/auth/roles.js';
import { totpCode } from '../../../server/auth/totp.js';
import { simulatedFleet } from '../../../server/demo/fleet.js';
import { fullSession, PASSWORD } from '../auth/helpers.js';
import type { HostRole } from '../../../policies/evidence.js';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { auditDeps, movableClock, send, type FleetHost } from '../audit/helpers.js';
import { listen, TEST_NOW, TEST_OS, testApp, type DbKind, type TestApp } from '../fixture.js';
import type { BastionRouteDeps } from '../../../server/routes/bastion.js';

export type Clock = ReturnType<typeof movableClock>;
export const DAY = 86_400_000;
/**
 * The browser tests' fixed start. Chromium checks cookie expiry against the real clock, so the
 * server's pinned clock must be ahead of real time (session cookies expire 12 h after sign-in).
 */
export const BROWSER_EPOCH = new Date('2035-03-05T08:00:00.000Z');

export interface DashboardApp extends TestApp {
  clock: Clock;
}

/** A fresh app whose clock the test moves (TOTP steps, nights of audits). */
export async function dashboardApp(t: Test, kind: DbKind, start = TEST_NOW, options: DashboardAppOptions = {}): Promise<DashboardApp> {
  const clock = movableClock(start);
  const app = await testApp(t, kind, { now: clock.now, ...options });
  return { ...app, clock };
}

/** Optional parts of the app (e.g. a running bastion's live events for the sessions pages). */
export interface DashboardAppOptions {
  bastion?: (dataDir: string) => BastionRouteDeps;
}

/** The same, listening on 127.0.0.1 (free port) for a browser; returns its base URL too. */
export async function dashboardServer(t: Test, kind: DbKind, start = BROWSER_EPOCH, options: DashboardAppOptions = {}): Promise<DashboardApp & { baseURL: string }> {
  const app = await dashboardApp(t, kind, start, options);
  return { ...app, baseURL: await listen(app.app) };
}

/** Enroll a host through the API with a token made at the app's clock time. */
export async function enrollAt(d: DashboardApp, site: string, role: HostRole, hostname: string): Promise<FleetHost> {
  const { token } = await createEnrollmentToken(d.db, { site, role, now: d.clock.now() });
  const response = await d.app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname, os: TEST_OS, agent_version: '0.1.0' } });
  if (response.statusCode !== 201) throw new Error(`enrollment failed: ${response.statusCode} ${response.body}`);
  return { ...(response.json() as Omit<FleetHost, 'hostname'>), hostname };
}

export interface SeededFleet {
  hosts: FleetHost[];
}

/**
 * The demo GHT fleet (simulated evidence) enrolled and reporting through the API, judged by
 * `nights` nightly audits one day apart (the clock ends on the last one).
 */
export async function seedFleet(t: Test, d: DashboardApp, nights = 3, limit = 40): Promise<SeededFleet> {
  const fleet = simulatedFleet().slice(0, limit);
  const hosts: FleetHost[] = [];
  for (const sim of fleet) hosts.push(await enrollAt(d, sim.identity.site, sim.identity.role, sim.identity.hostname));
  const deps = auditDeps(d.db, d.clock.now);
  for (let night = 0; night < nights; night++) {
    if (night > 0) d.clock.advance(DAY);
    for (let i = 0; i < hosts.length; i++) await send(t, d.app, hosts[i]!, fleet[i]!.report(hosts[i]!.host_id, d.clock.now()));
    const ran = await runAuditJob(deps, 'manual', null);
    t.equal(ran.status, 'ran', `night ${night + 1}: audit ran`);
  }
  return { hosts };
}

export interface TestUser {
  username: string;
  password: string;
  role: Role;
  totpSecret: string;
}

/** A user of `role` with MFA enrolled (through the API), ready to sign in from the browser. */
export async function userWithMfa(d: DashboardApp, username: string, role: Role): Promise<TestUser> {
  const session = await fullSession(d.app, d.db, username, role, d.clock.now());
  if (session.totpSecret === null) throw new Error('no TOTP secret');
  return { username, password: PASSWORD, role, totpSecret: session.totpSecret };
}

/** A fresh TOTP code (the clock moves to the next 30 s step first: codes are single-use). */
export function nextCode(clock: Clock, secret: string): string {
  clock.advance(30_000);
  return totpCode(secret, clock.now());
}

/** Sign in from the browser's form with password and a real TOTP code; waits for the landing page. */
export async function signIn(page: Page, d: DashboardApp, user: TestUser): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.fill('#code', nextCode(d.clock, user.totpSecret));
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('button[type=submit]')]);
}
