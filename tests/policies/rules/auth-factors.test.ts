// AUTH-02..06: PAM second factor, workstation logon, remote access MFA, SMS, admin accounts.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { LocalAdmins, MfaEvidence, RemoteEntryPoint, Report, WindowsLogonPolicy } from '../../../policies/evidence.js';
import { packForRole, type Pack } from '../../../policies/pack.js';
import { controlEnforces } from '../../../policies/rules/auth.js';
import { isMultiFactor } from '../../../policies/rules/factors.js';
import { BUILDER_COLLECTED_AT, buildReport } from '../../helpers/report-builder.js';
import { daysBefore, pamEntry, pamStacks, withHost, withMfa } from '../../helpers/report-builder-bkp.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const verdict = (id: string, report: Report, pack: Pack = packForRole(report.host.role), now = AT) => verdictOf(evaluate(report, pack, now), id);
const server = buildReport();
const enrolled: MfaEvidence['enrolment'] = { group: 'sudo', members: [{ user: 'alice', enrolled: true, method: 'u2f' }] };
const u2fStack = [pamEntry('pam_unix.so', 'required'), pamEntry('pam_u2f.so', 'required', ['cue'])];
const auth02 = (stacks: Parameters<typeof pamStacks>[0], enrolment: MfaEvidence['enrolment'] = enrolled, pack?: Pack) =>
  verdict('AUTH-02', withMfa(server, { pam: pamStacks(stacks), enrolment }), pack);

t.test('AUTH-02: an enforced second-factor module in sshd and sudo passes', async (t) => {
  const v = auth02({ sshd: u2fStack, sudo: u2fStack });
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /PAM second factor enforced: sshd: pam_u2f.so required enforced; sudo: pam_u2f.so required enforced; 1 sudo member\(s\) enrolled/);
  t.equal(auth02({ sshd: [pamEntry('pam_google_authenticator.so', 'requisite')] }).status, 'pass', 'sudo absent from the host is not judged');
  t.equal(auth02({ sshd: [pamEntry('pam_oath.so', '[success=ok default=die]')] }).status, 'pass', 'bracket equivalent of required');
  t.equal(auth02({ login: u2fStack }).status, 'unknown', 'none of the judged stacks reported');
});

t.test('AUTH-02: optional/sufficient controls, -auth lines, bypass options and earlier sufficient modules fail', async (t) => {
  const cases: [string, ReturnType<typeof pamEntry>[], RegExp][] = [
    ['optional', [pamEntry('pam_u2f.so', 'optional')], /control does not enforce it/],
    ['sufficient', [pamEntry('pam_u2f.so', 'sufficient')], /control does not enforce it/],
    ['bracket skip', [pamEntry('pam_u2f.so', '[success=1 default=ignore]')], /control does not enforce it/],
    ['-auth', [pamEntry('pam_u2f.so', 'required', [], { if_present: true })], /"-auth" line/],
    ['nouserok', [pamEntry('pam_u2f.so', 'required', ['nouserok'])], /bypass option nouserok/],
    ['nullok', [pamEntry('pam_google_authenticator.so', 'required', ['nullok'])], /bypass option nullok/],
    ['earlier sufficient', [pamEntry('pam_unix.so', 'sufficient'), pamEntry('pam_u2f.so', 'required')], /pam_unix.so \[sufficient\] \(sshd\) above it/],
    ['no module', [pamEntry('pam_unix.so', 'required')], /sshd: no second-factor module/],
  ];
  for (const [name, entries, pattern] of cases) {
    const v = auth02({ sshd: entries });
    t.equal(v.status, 'fail', name);
    t.match(v.explanation.en, pattern, name);
  }
  t.equal(auth02({ sshd: [pamEntry('pam_u2f.so', 'required', ['nullok'])] }).status, 'pass', 'nullok is a bypass only for google-authenticator');
  t.equal(auth02({ sshd: [pamEntry('pam_u2f.so', 'sufficient'), pamEntry('pam_u2f.so', 'required')] }).status, 'pass', 'a second-factor line is not a bypass of itself');
  t.ok(controlEnforces('[success=done new_authtok_reqd=done default=bad]'));
  t.notOk(controlEnforces('[success=done default=bad auth_err=ignore]'));
});

t.test('AUTH-02: 100 % of the admin group enrolled', async (t) => {
  const members = (...m: [string, boolean | null][]) => ({ group: 'sudo', members: m.map(([user, e]) => ({ user, enrolled: e, method: null })) });
  t.equal(auth02({ sshd: u2fStack }, members(['alice', true], ['bob', true])).status, 'pass');
  const bob = auth02({ sshd: u2fStack }, members(['alice', true], ['bob', false]));
  t.equal(bob.status, 'fail');
  t.match(bob.explanation.en, /sudo members not enrolled: bob/);
  t.equal(auth02({ sshd: u2fStack }, members(['alice', true], ['bob', null])).status, 'unknown');
  const absent = verdict('AUTH-02', withMfa(server, { pam: pamStacks({ sshd: u2fStack }) }));
  t.equal(absent.status, 'unknown');
  t.match(absent.explanation.en, /admin group enrolment: not reported by this agent/);
});

t.test('AUTH-02: evidence missing, Windows and roles', async (t) => {
  t.equal(verdict('AUTH-02', server).status, 'unknown', 'no PAM evidence');
  t.match(verdict('AUTH-02', server).explanation.en, /PAM stacks: not reported by this agent/);
  t.equal(verdict('AUTH-02', withMfa(server, { pam: { unavailable: 'no /etc/pam.d' } })).status, 'unknown');
  t.equal(verdict('AUTH-02', withMfa(server, { pam: { services: [{ service: 'sshd', unavailable: 'include loop' }] }, enrolment: enrolled })).status, 'unknown');
  t.equal(verdict('AUTH-02', withHost(server, {}, 'windows')).status, 'not_applicable');
  t.equal(verdict('AUTH-02', withHost(server, { role: 'workstation' })).status, 'not_applicable');
});

const policy = (overrides: Partial<WindowsLogonPolicy> = {}): WindowsLogonPolicy => ({
  passport_for_work_enabled: false,
  require_security_device: false,
  scforceoption: false,
  logons: { since: daysBefore(30), password: 12, whfb: 0, smartcard: 0, fido2: 0 },
  ...overrides,
});
const dsreg = (ngc: boolean | null): MfaEvidence['windows_logon'] => ({ azure_ad_joined: false, domain_joined: true, domain_name: 'CHU', ngc_set: ngc, whfb_policy_enabled: ngc });
const windowsHost = (role: 'workstation' | 'admin-workstation', p: WindowsLogonPolicy, ngc: boolean | null = false) =>
  withMfa(withHost(server, { role }, 'windows'), { windows_logon: dsreg(ngc), windows_logon_policy: p });
const BEFORE = new Date('2025-12-31T23:59:59Z');
const FROM = new Date('2026-01-01T00:00:00Z');
const TODAY = new Date('2026-11-22T10:00:00Z');
const auth03 = (report: Report, now = AT, pack?: Pack) => {
  const dated = { ...report, collected_at: now.toISOString() };
  return verdict('AUTH-03', dated, pack ?? packForRole(report.host.role), now);
};

t.test('AUTH-03: password-only workstation logon is warn before 2026-01-01 and fail from then', async (t) => {
  const ws = windowsHost('workstation', policy());
  t.equal(auth03(ws, BEFORE).status, 'warn', '2025-12-31 23:59:59 UTC');
  t.match(auth03(ws, BEFORE).explanation.en, /Password-only logon, tolerated until 2026-01-01/);
  t.equal(auth03(ws, FROM).status, 'fail', '2026-01-01 00:00:00 UTC');
  t.equal(auth03(ws, TODAY).status, 'fail', 'today');
  t.match(auth03(ws, TODAY).explanation.fr, /refusée depuis le 2026-01-01/);
  const later = shippedWith('workstation', 'AUTH-03', { password_only_fail_from: '2027-01-01' });
  t.equal(auth03(ws, TODAY, later).status, 'warn', 'the date is configurable');
  t.match(auth03(ws, TODAY).threshold ?? '', /warn before 2026-01-01 \(00:00 UTC\), fail from then/);
});

t.test('AUTH-03: strong workstation logon', async (t) => {
  t.equal(auth03(windowsHost('workstation', policy({ scforceoption: true })), TODAY).status, 'pass', 'CPS required');
  t.equal(auth03(windowsHost('workstation', policy({ passport_for_work_enabled: true }), true), TODAY).status, 'pass', 'WHfB');
  t.equal(auth03(windowsHost('workstation', policy({ logons: { since: daysBefore(30), password: 3, whfb: 0, smartcard: 0, fido2: 4 } })), TODAY).status, 'pass', 'FIDO2 logons');
  t.equal(auth03(windowsHost('workstation', policy({ passport_for_work_enabled: null }), true), TODAY).status, 'unknown', 'policy not reported');
  t.equal(auth03(windowsHost('workstation', policy({ scforceoption: null })), TODAY).status, 'unknown');
  const missing = auth03(withHost(withHost(server, { role: 'workstation' }), {}, 'windows'), TODAY);
  t.equal(missing.status, 'unknown');
  t.match(missing.explanation.en, /Windows logon policy: not reported by this agent/);
  const noDpi = shippedWith('workstation', 'AUTH-03', { dpi_access: false });
  t.equal(auth03(windowsHost('workstation', policy()), TODAY, noDpi).status, 'not_applicable');
  t.equal(auth03(withHost(server, { role: 'workstation' }, 'darwin'), TODAY).status, 'unknown', 'macOS not observable');
});

t.test('AUTH-03: admin workstations need a card or WHfB with TPM, and no password logon', async (t) => {
  const whfbTpm = { passport_for_work_enabled: true, require_security_device: true };
  t.equal(auth03(windowsHost('admin-workstation', policy({ scforceoption: true })), BEFORE).status, 'pass');
  t.equal(auth03(windowsHost('admin-workstation', policy()), BEFORE).status, 'fail', 'password logon fails even before 2026');
  const seen = auth03(windowsHost('admin-workstation', policy(whfbTpm), true), TODAY);
  t.equal(seen.status, 'fail', 'WHfB with TPM but 12 password logons');
  t.match(seen.explanation.en, /12 password logon\(s\)/);
  const clean = { ...whfbTpm, logons: { since: daysBefore(30), password: 0, whfb: 40, smartcard: 0, fido2: 0 } };
  t.equal(auth03(windowsHost('admin-workstation', policy(clean), true), TODAY).status, 'pass');
  t.equal(auth03(windowsHost('admin-workstation', policy({ ...whfbTpm, logons: null }), true), TODAY).status, 'unknown', 'logon events not read');
  t.equal(auth03(windowsHost('admin-workstation', policy({ passport_for_work_enabled: true, require_security_device: false }), true), TODAY).status, 'fail', 'WHfB without TPM requirement');
});

t.test('AUTH-03: Linux logon stacks', async (t) => {
  const linux = (stacks: Parameters<typeof pamStacks>[0], role: 'workstation' | 'admin-workstation' = 'workstation') =>
    withMfa(withHost(server, { role }), { pam: pamStacks(stacks) });
  t.equal(auth03(linux({ login: [pamEntry('pam_pkcs11.so')], 'gdm-password': [pamEntry('pam_pkcs11.so')] }), TODAY).status, 'pass');
  t.equal(auth03(linux({ login: [pamEntry('pam_unix.so')] }), BEFORE).status, 'warn');
  t.equal(auth03(linux({ login: [pamEntry('pam_unix.so')] }), TODAY).status, 'fail');
  t.equal(auth03(linux({ login: [pamEntry('pam_unix.so')] }, 'admin-workstation'), BEFORE).status, 'fail');
  t.equal(auth03(linux({ sshd: [pamEntry('pam_unix.so')] }), TODAY).status, 'unknown', 'no logon stack reported');
  t.equal(auth03(withHost(server, { role: 'workstation' }), TODAY).status, 'unknown', 'no PAM evidence');
});

const entry = (kind: RemoteEntryPoint['kind'], factors: RemoteEntryPoint['factors'], exposure: RemoteEntryPoint['exposure'] = 'internet'): RemoteEntryPoint => ({ kind, name: `${kind}-1`, exposure, factors });

t.test('AUTH-04: every remote entry point requires two factors', async (t) => {
  const v = (...e: RemoteEntryPoint[]) => verdict('AUTH-04', withMfa(server, { remote_access: e }));
  t.equal(v(entry('vpn', ['password', 'totp']), entry('rdp-gateway', ['smartcard'])).status, 'pass');
  const pw = v(entry('vpn', ['password', 'totp']), entry('vendor-portal', ['password']));
  t.equal(pw.status, 'fail');
  t.match(pw.explanation.en, /Single-factor remote access path: vendor-portal vendor-portal-1 \(internet\): single factor \(password\)/);
  t.same(pw.evidence, ['/mfa/remote_access/1']);
  t.equal(v(entry('ssh', ['publickey'], 'internal')).status, 'fail', 'SSH exposed beyond the admin network');
  t.equal(v(entry('ssh', ['publickey'], 'admin-network')).status, 'pass', 'admin-network SSH is AUTH-01\'s');
  t.equal(v(entry('vpn', ['fido2'])).status, 'fail', 'FIDO2 alone: user verification not reported');
  t.equal(v(entry('vpn', [])).status, 'unknown');
  t.equal(v().status, 'pass', 'no remote entry point');
  t.equal(verdict('AUTH-04', server).status, 'unknown');
  t.equal(verdict('AUTH-04', withMfa(withHost(server, { role: 'telemaintenance-gateway' }), { remote_access: [entry('vpn', ['password'])] })).severity, 'critical');
  t.ok(isMultiFactor(['pin', 'u2f']));
  t.notOk(isMultiFactor(['password', 'pin']));
});

t.test('AUTH-05: no SMS or voice for admins, third parties and remote access', async (t) => {
  const v = (fields: Partial<MfaEvidence>) => verdict('AUTH-05', withMfa(server, fields));
  const policyOf = (population: 'admins' | 'third-parties' | 'remote-access' | 'users', factors: RemoteEntryPoint['factors']) => ({ population, context: 'IdP', factors });
  t.equal(v({ second_factors: [policyOf('admins', ['password', 'fido2']), policyOf('users', ['totp'])] }).status, 'pass');
  for (const population of ['admins', 'third-parties', 'remote-access'] as const) {
    t.equal(v({ second_factors: [policyOf(population, ['password', 'sms'])] }).status, 'fail', `${population} SMS`);
  }
  const users = v({ second_factors: [policyOf('users', ['password', 'voice'])] });
  t.equal(users.status, 'warn', 'other users: warn');
  t.match(users.explanation.en, /users \/ IdP: voice \(phone OTP\)/);
  t.equal(v({ second_factors: [policyOf('users', ['push'])] }).status, 'warn', 'unlisted type');
  t.equal(v({ second_factors: [], remote_access: [entry('vpn', ['password', 'sms'])] }).status, 'fail', 'remote entry points are remote-access');
  t.equal(v({ remote_access: [entry('vpn', ['password', 'totp'])] }).status, 'unknown', 'second_factors not reported');
  t.equal(v({}).status, 'unknown');
  t.equal(v({ second_factors: [] }).status, 'pass', 'nothing configured');
});

const admins = (overrides: Partial<LocalAdmins> = {}): LocalAdmins => ({
  members: [
    { name: 'Administrator', kind: 'user', last_interactive_logon_at: null },
    { name: 'adm-alice', kind: 'user', last_interactive_logon_at: daysBefore(1) },
  ],
  builtin_admin: { name: 'Administrator', enabled: false, laps_managed: null, last_interactive_logon_at: null },
  daily_user_is_admin: false,
  logon_history_since: daysBefore(90),
  ...overrides,
});
const declared = (role: 'server' | 'workstation' = 'server') => shippedWith(role, 'AUTH-06', { admin_allowlist: ['adm-alice', 'ADM-BOB'] });

t.test('AUTH-06: members allowlisted, built-in admin, daily user', async (t) => {
  const v = (a: LocalAdmins, role: 'server' | 'workstation' = 'server', pack: Pack | undefined = declared(role)) =>
    verdict('AUTH-06', withMfa(withHost(server, { role }), { local_admins: a }), pack);
  t.equal(v(admins()).status, 'pass');
  const stranger = v(admins({ members: [...admins().members, { name: 'helpdesk', kind: 'group', last_interactive_logon_at: null }] }));
  t.equal(stranger.status, 'fail');
  t.match(stranger.explanation.en, /helpdesk not in the nominative admin allowlist/);
  t.same(stranger.evidence, ['/mfa/local_admins/members/2']);
  const undeclared = v(admins(), 'server', packForRole('server'));
  t.equal(undeclared.status, 'warn', 'no allowlist declared');
  t.match(undeclared.explanation.en, /nominative admin allowlist not declared \(admin_allowlist\); members: adm-alice/);
  t.equal(v(admins({ builtin_admin: { name: 'Administrator', enabled: true, laps_managed: true, last_interactive_logon_at: null } })).status, 'pass', 'LAPS-managed');
  t.equal(v(admins({ builtin_admin: { name: 'Administrator', enabled: true, laps_managed: false, last_interactive_logon_at: null } })).status, 'fail');
  t.equal(v(admins({ builtin_admin: { name: 'Administrator', enabled: null, laps_managed: null, last_interactive_logon_at: null } })).status, 'unknown');
  t.equal(v(admins({ daily_user_is_admin: true }), 'workstation').status, 'fail', 'daily user admin on a workstation');
  t.equal(v(admins({ daily_user_is_admin: true }), 'server').status, 'pass', 'daily user not judged on servers');
  t.equal(v(admins({ daily_user_is_admin: null }), 'workstation').status, 'unknown');
  t.equal(verdict('AUTH-06', server).status, 'unknown', 'not reported');
});

t.test('AUTH-06: no generic account logon within 30 days (inclusive)', async (t) => {
  const withLogon = (at: string | null, history = daysBefore(90)) =>
    admins({
      builtin_admin: { name: 'Administrator', enabled: true, laps_managed: true, last_interactive_logon_at: at },
      logon_history_since: history,
    });
  const v = (a: LocalAdmins) => verdict('AUTH-06', withMfa(server, { local_admins: a }), declared());
  t.equal(v(withLogon(daysBefore(30))).status, 'fail', 'exactly 30 days ago is inside the window');
  t.match(v(withLogon(daysBefore(30))).explanation.en, /generic account Administrator used 30 d 0 h 00 min 00 s ago/);
  t.equal(v(withLogon(daysBefore(30, 1))).status, 'pass', '30 d + 1 s');
  t.equal(v(withLogon(null)).status, 'pass', 'no logon in a 90-day history');
  t.equal(v(withLogon(null, daysBefore(10))).status, 'unknown', 'history shorter than the window');
  const generic = admins({ members: [{ name: 'maintenance', kind: 'user', last_interactive_logon_at: daysBefore(2) }] });
  const pack = shippedWith('server', 'AUTH-06', { admin_allowlist: ['maintenance'] });
  t.equal(verdict('AUTH-06', withMfa(server, { local_admins: generic }), pack).status, 'fail', 'allowlisted but generic and used');
});
