// BKP-02..05: offline/immutable copy, 3-2-1 topology, restore tests, backup console authentication.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { BackupConsoleAccess, BackupRepository, Report, RestoreTest } from '../../../policies/evidence.js';
import { packForRole, type Pack } from '../../../policies/pack.js';
import { BUILDER_COLLECTED_AT, buildReport } from '../../helpers/report-builder.js';
import { daysBefore, immutableCopy, minutesAfter, offlineCopy, withBackups, withHost } from '../../helpers/report-builder-bkp.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const bkpServer = withHost(buildReport(), { role: 'backup-server' });
const verdict = (id: string, report: Report, pack: Pack = packForRole(report.host.role)) => verdictOf(evaluate(report, pack, AT), id);

t.test('BKP-02: one offline or immutable copy <= 7 days passes; 7 d + 1 s fails', async (t) => {
  const v = (...copies: Parameters<typeof offlineCopy>[0][]) =>
    verdict('BKP-02', withBackups(bkpServer, { offline_copies: copies.map((at) => offlineCopy(at)) }));
  t.equal(v(daysBefore(0)).status, 'pass');
  t.equal(v(daysBefore(7)).status, 'pass', 'exactly 7 days passes');
  const old = v(daysBefore(7, 1));
  t.equal(old.status, 'fail', '7 d + 1 s fails');
  t.match(old.explanation.en, /No offline or immutable copy within 7 d: offline copy LTO-0042 \(bâtiment B\): last copy 7 d 0 h 00 min 01 s ago \(too old\)/);
  t.match(old.explanation.fr, /il y a 7 j 0 h 00 min 01 s/);
  t.equal(old.threshold, '>= 1 offline (media disconnected now) or immutable (retention >= 7 d) copy with age <= 7 d; none = fail');
  t.equal(v(daysBefore(30), daysBefore(2)).status, 'pass', 'one recent copy is enough');
  t.same(v(daysBefore(30), daysBefore(2)).evidence, ['/backups/offline_copies/1']);
  t.equal(v(null).status, 'fail', 'never completed');
  t.equal(v(minutesAfter(60)).status, 'unknown', 'a copy dated one hour in the future is not trusted');
});

t.test('BKP-02: connected media is not offline; immutable retention >= 7 d', async (t) => {
  const v = (...copies: ReturnType<typeof offlineCopy>[]) => verdict('BKP-02', withBackups(bkpServer, { offline_copies: copies }));
  const connected = v(offlineCopy(daysBefore(1), { media_connected: true }));
  t.equal(connected.status, 'fail');
  t.match(connected.explanation.en, /media is still connected \(not offline\)/);
  t.equal(v(offlineCopy(daysBefore(1), { media_connected: null })).status, 'unknown', 'connection state unknown');
  t.equal(v(immutableCopy(daysBefore(1), 7)).status, 'pass', 'retention exactly 7 days passes');
  t.equal(v(immutableCopy(daysBefore(1), 6.9)).status, 'fail');
  t.equal(v(immutableCopy(daysBefore(1), null)).status, 'unknown');
  t.equal(v(immutableCopy(daysBefore(1), null), offlineCopy(daysBefore(9))).status, 'unknown', 'unknown outranks fail when nothing qualifies');
  t.equal(v(immutableCopy(daysBefore(1), null), offlineCopy(daysBefore(3))).status, 'pass', 'a qualifying copy decides');
  const none = v();
  t.equal(none.status, 'fail');
  t.match(none.explanation.en, /No offline or immutable copy at all/);
  const custom = shippedWith('backup-server', 'BKP-02', { max_age_days: 14 });
  t.equal(verdict('BKP-02', withBackups(bkpServer, { offline_copies: [offlineCopy(daysBefore(10))] }), custom).status, 'pass', 'configurable limit');
});

t.test('BKP-02: absent or unavailable evidence is unknown; role scope', async (t) => {
  const absent = verdict('BKP-02', bkpServer);
  t.equal(absent.status, 'unknown');
  t.match(absent.explanation.en, /not reported by this agent/);
  t.same(absent.evidence, ['/backups/offline_copies']);
  const unavailable = verdict('BKP-02', withBackups(bkpServer, { offline_copies: { unavailable: 'tmutil not found' } }));
  t.equal(unavailable.status, 'unknown');
  t.match(unavailable.explanation.en, /tmutil not found/);
  t.equal(verdict('BKP-02', buildReport()).status, 'unknown', 'applies to servers');
  t.equal(verdict('BKP-02', withHost(buildReport(), { role: 'workstation' })).status, 'not_applicable');
  t.equal(verdict('BKP-02', bkpServer).severity, 'critical');
});

const repo = (name: string, media: BackupRepository['media'], system: string, off_site = false, state: BackupRepository['state'] = 'online'): BackupRepository => ({
  name,
  media,
  storage_system: system,
  site: off_site ? 'site B' : 'site A',
  off_site,
  state,
});

t.test('BKP-03: 2 copies, 2 media or systems, 1 off-site or offline', async (t) => {
  const v = (...repos: BackupRepository[]) => verdict('BKP-03', withBackups(bkpServer, { repositories: repos }));
  t.equal(v(repo('nas', 'nas', 'NAS-1'), repo('tape', 'tape', 'LTO-lib', false, 'offline')).status, 'pass');
  t.equal(v(repo('nas', 'nas', 'NAS-1'), repo('s3', 'object-storage', 'OVH', true)).status, 'pass', 'off-site counts');
  const one = v(repo('nas', 'nas', 'NAS-1', true));
  t.equal(one.status, 'fail');
  t.match(one.explanation.en, /1 copies < 2/);
  const sameSystem = v(repo('a', 'disk', 'SAN-1'), repo('b', 'disk', 'san-1', true));
  t.equal(sameSystem.status, 'fail', 'two copies on one storage system');
  t.match(sameSystem.explanation.en, /a single media or storage system/);
  t.equal(v(repo('a', 'disk', 'SAN-1'), repo('b', 'disk', 'SAN-2', true)).status, 'pass', 'two storage systems of one media type');
  const allLocal = v(repo('nas', 'nas', 'NAS-1'), repo('disk', 'disk', 'SAN-1', false, 'immutable'));
  t.equal(allLocal.status, 'fail', 'immutable on site is neither off-site nor offline');
  t.match(allLocal.explanation.en, /0 off-site or offline copies < 1/);
  t.equal(verdict('BKP-03', bkpServer).status, 'unknown', 'inventory not reported');
  t.equal(verdict('BKP-03', buildReport()).status, 'not_applicable', 'backup servers only');
});

const restore = (at: string, result: RestoreTest['result'] = 'success'): RestoreTest => ({ tested_at: at, scope: 'DPI database', result, record: 'PV-2025-12' });

t.test('BKP-04: pass <= 90 d, warn <= 365 d, fail beyond or none', async (t) => {
  const v = (...tests: RestoreTest[]) => verdict('BKP-04', withBackups(bkpServer, { restore_tests: tests }));
  const cases: [number, number, string][] = [
    [0, 0, 'pass'],
    [90, 0, 'pass'],
    [90, 1, 'warn'],
    [365, 0, 'warn'],
    [365, 1, 'fail'],
  ];
  for (const [days, seconds, expected] of cases) t.equal(v(restore(daysBefore(days, seconds))).status, expected, `${days} d ${seconds} s -> ${expected}`);
  const warn = v(restore(daysBefore(120)));
  t.match(warn.explanation.en, /Restore test older than 90 d: last successful test 120 d 0 h 00 min 00 s ago \(.*, DPI database, record PV-2025-12\)/);
  t.same(warn.evidence, ['/backups/restore_tests/0']);
  t.equal(v(restore(daysBefore(10), 'failure'), restore(daysBefore(200))).status, 'warn', 'failed tests do not count');
  t.equal(v(restore(daysBefore(10), 'partial')).status, 'fail', 'a partial test is not a successful one');
  t.match(v(restore(daysBefore(10), 'partial')).explanation.en, /No successful restore test recorded \(1 partial or failed/);
  t.equal(v().status, 'fail', 'no test');
  t.equal(v(restore(minutesAfter(120))).status, 'unknown', 'only a future-dated test');
  t.equal(verdict('BKP-04', bkpServer).status, 'unknown');
});

const console = (overrides: Partial<BackupConsoleAccess> = {}): BackupConsoleAccess => ({
  product: 'Veeam B&R',
  identity_source: 'local',
  directory_forest: null,
  mfa_supported: true,
  mfa_enabled: true,
  builtin_admin: { name: 'admin', enabled: false, used_recently: false, password_vaulted: true },
  ...overrides,
});

t.test('BKP-05: identity source independent of production AD', async (t) => {
  const v = (c: BackupConsoleAccess, pack?: Pack) => verdict('BKP-05', withBackups(bkpServer, { console: c }), pack);
  const declared = shippedWith('backup-server', 'BKP-05', { production_forests: ['chu.local'], dedicated_ad_ads_score: 3 });
  t.equal(v(console()).status, 'pass');
  t.match(v(console()).explanation.en, /Veeam B&R authentication is independent and strong: local console accounts; MFA enabled; account admin disabled/);
  const prod = v(console({ identity_source: 'active-directory', directory_forest: 'CHU.local.' }), declared);
  t.equal(prod.status, 'fail', 'production forest, case and trailing dot ignored');
  t.same(prod.evidence, ['/backups/console/directory_forest']);
  t.equal(v(console({ identity_source: 'active-directory', directory_forest: 'bkp.local' }), declared).status, 'pass', 'dedicated AD, ADS 3');
  const low = shippedWith('backup-server', 'BKP-05', { production_forests: ['chu.local'], dedicated_ad_ads_score: 2 });
  t.equal(v(console({ identity_source: 'active-directory', directory_forest: 'bkp.local' }), low).status, 'fail', 'ADS 2 < 3');
  const noScore = shippedWith('backup-server', 'BKP-05', { production_forests: ['chu.local'] });
  t.equal(v(console({ identity_source: 'active-directory', directory_forest: 'bkp.local' }), noScore).status, 'unknown', 'ADS score not declared');
  const undeclared = v(console({ identity_source: 'active-directory', directory_forest: 'bkp.local' }));
  t.equal(undeclared.status, 'unknown', 'production forests not declared');
  t.match(undeclared.explanation.en, /production forests not declared/);
  t.equal(v(console({ identity_source: 'ldap', directory_forest: null }), declared).status, 'unknown');
  t.equal(v(console({ identity_source: 'ldap', directory_forest: 'ldap.bkp.local' }), declared).status, 'pass');
});

t.test('BKP-05: MFA and built-in admin', async (t) => {
  const v = (c: BackupConsoleAccess) => verdict('BKP-05', withBackups(bkpServer, { console: c }));
  const unsupported = v(console({ mfa_supported: false, mfa_enabled: false }));
  t.equal(unsupported.status, 'warn');
  t.match(unsupported.explanation.en, /does not support MFA: to be justified by a waiver/);
  t.equal(v(console({ mfa_enabled: false })).status, 'fail');
  t.equal(v(console({ mfa_enabled: null })).status, 'unknown');
  t.equal(v(console({ mfa_enabled: false, mfa_supported: null })).status, 'unknown');
  const admin = (a: Partial<BackupConsoleAccess['builtin_admin']>) => console({ builtin_admin: { name: 'admin', enabled: true, used_recently: false, password_vaulted: true, ...a } });
  t.equal(v(admin({})).status, 'pass', 'enabled but unused and vaulted');
  t.equal(v(admin({ used_recently: true })).status, 'fail');
  t.equal(v(admin({ password_vaulted: false })).status, 'fail');
  t.equal(v(admin({ password_vaulted: null })).status, 'unknown');
  t.equal(v(console({ mfa_supported: false, mfa_enabled: false, builtin_admin: { name: 'admin', enabled: true, used_recently: true, password_vaulted: true } })).status, 'fail', 'fail outranks warn');
  t.equal(verdict('BKP-05', bkpServer).status, 'unknown');
  t.equal(verdict('BKP-05', withBackups(bkpServer, { console: { unavailable: 'no API token' } })).status, 'unknown');
});
