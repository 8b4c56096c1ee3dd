// NET-08, ADM-02, AUTH-07, AUTH-08, WIFI-07 at and around their limits.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { PasswordPolicy, Report } from '../../../policies/evidence.js';
import { buildReport, listener, withListeners, withWifi } from '../../helpers/report-builder.js';
import { withMfa } from '../../helpers/report-builder-bkp.js';
import { withNetwork } from '../../helpers/report-builder-net.js';
import { AT } from '../../helpers/report-builder-system.js';
import { completedWith, verdictOf } from '../pack-fixtures.js';

const server = buildReport();
const judge = (id: string, report: Report, parameters: Record<string, unknown> = {}) =>
  verdictOf(evaluate(report, completedWith(report.host.role, id, parameters), AT), id);

t.test('NET-08: approved or absent passes; installed fails (high); running fails critical; not reported is unknown', async (t) => {
  const tool = (running: boolean, connected: boolean | null = false) =>
    withNetwork(server, { remote_control: [{ product: 'anydesk', found_by: running ? ['package', 'process'] : ['package'], name: 'anydesk', running, connected }] });
  t.equal(judge('NET-08', withNetwork(server, { remote_control: [] })).status, 'pass');
  const installed = judge('NET-08', tool(false));
  t.same([installed.status, installed.severity], ['fail', 'high']);
  const running = judge('NET-08', tool(true, true));
  t.same([running.status, running.severity], ['fail', 'critical']);
  t.match(running.explanation.en, /anydesk \(anydesk, package\+process\) not approved, running/);
  t.equal(judge('NET-08', tool(true), { approved_products: ['anydesk'] }).status, 'pass');
  t.equal(judge('NET-08', server).status, 'unknown');
  t.match(judge('NET-08', server).explanation.en, /not reported by this agent/);
});

t.test('ADM-02: sshd on the admin address and forwarding off passes; wildcard fails; no admin network warns', async (t) => {
  const fwdOff = withWifi(server, { ip_forwarding: { ipv4: false, ipv6: false } });
  t.equal(judge('ADM-02', fwdOff, { admin_addresses: ['10.0.0.5'] }).status, 'pass');
  t.equal(judge('ADM-02', fwdOff).status, 'warn', 'no admin address declared');
  t.equal(judge('ADM-02', withListeners(fwdOff, [listener(22, '0.0.0.0', 'tcp', 'sshd')]), { admin_addresses: ['10.0.0.5'] }).status, 'fail');
  t.equal(judge('ADM-02', withListeners(fwdOff, [listener(22, '127.0.0.1', 'tcp', 'sshd')]), { admin_addresses: ['10.0.0.5'] }).status, 'pass', 'loopback only');
  t.equal(judge('ADM-02', withWifi(server, { ip_forwarding: { ipv4: true, ipv6: false } }), { admin_addresses: ['10.0.0.5'] }).status, 'fail');
  t.equal(judge('ADM-02', withWifi(server, { ip_forwarding: { ipv4: false, ipv6: null } }), { admin_addresses: ['10.0.0.5'] }).status, 'unknown');
  t.equal(judge('ADM-02', server, { admin_addresses: ['10.0.0.5'] }).status, 'unknown', 'forwarding not reported');
});

t.test('AUTH-07: 3 failures passes, 4 fails; 0 never locks; duration 1 min passes, less fails; admin unlock passes', async (t) => {
  const lock = (threshold: number, duration_minutes: number | null) =>
    withMfa(server, { lockout: { threshold, duration_minutes, observation_window_minutes: 15, source: 'PAM sshd: pam_faillock.so' } });
  t.equal(judge('AUTH-07', lock(3, 10)).status, 'pass');
  t.equal(judge('AUTH-07', lock(4, 10)).status, 'fail');
  t.equal(judge('AUTH-07', lock(10, 10), { max_threshold: 10 }).status, 'pass', 'configurable up to 10');
  t.equal(judge('AUTH-07', lock(0, null)).status, 'fail');
  t.equal(judge('AUTH-07', lock(3, 1)).status, 'pass', 'exactly 1 min');
  t.equal(judge('AUTH-07', lock(3, 0)).status, 'fail');
  t.equal(judge('AUTH-07', lock(3, null)).status, 'pass', 'until an administrator unlocks');
  t.equal(judge('AUTH-07', server).status, 'unknown');
});

t.test('AUTH-08: length floors 12/15, max length 64, no expiry for users, privileged expiry <= 3 years', async (t) => {
  const policy = (p: Partial<PasswordPolicy>): Report =>
    withMfa(server, { password_policy: { source: 'PAM passwd', min_length: 15, max_length: null, max_age_days: null, history: 5, accounts: [{ name: 'alice', privileged: true, max_age_days: 1095 }, { name: 'bob', privileged: false, max_age_days: null }], ...p } });
  t.equal(judge('AUTH-08', policy({})).status, 'pass');
  t.equal(judge('AUTH-08', policy({ min_length: 14 })).status, 'fail', 'privileged accounts need 15');
  t.equal(judge('AUTH-08', policy({ min_length: 12, accounts: [{ name: 'bob', privileged: false, max_age_days: null }] })).status, 'pass', 'users only: 12');
  t.equal(judge('AUTH-08', policy({ min_length: 11, accounts: [] })).status, 'fail');
  t.equal(judge('AUTH-08', policy({ max_length: 64 })).status, 'pass', 'max length exactly 64');
  t.equal(judge('AUTH-08', policy({ max_length: 63 })).status, 'fail');
  t.equal(judge('AUTH-08', policy({ accounts: [{ name: 'bob', privileged: false, max_age_days: 90 }] })).status, 'fail', 'forced expiry of a standard account');
  t.equal(judge('AUTH-08', policy({ accounts: [{ name: 'alice', privileged: true, max_age_days: 1096 }] })).status, 'fail');
  t.equal(judge('AUTH-08', policy({ accounts: [{ name: 'alice', privileged: true, max_age_days: null }] })).status, 'fail', 'privileged never renewed');
  t.equal(judge('AUTH-08', server).status, 'unknown');
});

t.test('WIFI-07: not applicable without an AP collector; password of 10 passes, 9 fails; WPS fails; missing item unknown', async (t) => {
  t.equal(judge('WIFI-07', server).status, 'not_applicable');
  const ap = (o: Record<string, unknown> = {}) => withWifi(server, { access_points: [{ name: 'ap-urgences-1', wps_enabled: false, admin_reachable_from_wlan: false, admin_password_changed: true, admin_password_length: 10, guest_isolated: true, guest_session_ttl_minutes: 480, ...o }] });
  t.equal(judge('WIFI-07', ap()).status, 'pass');
  t.equal(judge('WIFI-07', ap({ admin_password_length: 9 })).status, 'fail');
  t.equal(judge('WIFI-07', ap({ wps_enabled: true })).status, 'fail');
  t.equal(judge('WIFI-07', ap({ guest_session_ttl_minutes: 0 })).status, 'fail');
  t.equal(judge('WIFI-07', ap({ guest_isolated: null })).status, 'unknown');
});
