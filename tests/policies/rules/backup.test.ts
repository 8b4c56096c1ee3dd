import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { BackupSource, Report } from '../../../policies/evidence.js';
import { packForRole } from '../../../policies/pack.js';
import {
  BUILDER_COLLECTED_AT,
  backupSource,
  buildReport,
  collectedAt,
  hoursBefore,
  withBackupSources,
} from '../../helpers/report-builder.js';
import { shippedWithPackParameters, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const bkp01 = (report: Report, now = AT) => verdictOf(evaluate(report, packForRole('server'), now), 'BKP-01');
const sources = (...s: BackupSource[]) => withBackupSources(buildReport(), s);
const unreadable: BackupSource = { tool: 'borg', target: '/srv/borg', unavailable: 'repository locked by another process' };

t.test('age boundaries are inclusive: 24 h passes, 24 h + 1 s warns, 7 d warns, 7 d + 1 s fails', async (t) => {
  const cases: [number, number, string][] = [
    [0, 0, 'pass'],
    [24, 0, 'pass'],
    [24, 1, 'warn'],
    [168, 0, 'warn'],
    [168, 1, 'fail'],
    [24 * 400, 0, 'fail'],
  ];
  for (const [hours, seconds, expected] of cases) {
    const v = bkp01(sources(backupSource(hoursBefore(hours, seconds))));
    t.equal(v.status, expected, `${hours} h ${seconds} s -> ${expected}`);
  }
  const warn = bkp01(sources(backupSource(hoursBefore(24, 1))));
  t.match(warn.explanation.en, /A backup is older than 24 h: restic \/srv\/backup\/restic: last success 1 d 0 h 00 min 01 s ago/);
  t.match(warn.explanation.fr, /il y a 1 j 0 h 00 min 01 s/);
  t.equal(warn.threshold, 'pass: age <= 24 h; warn: age <= 168 h; fail: older, or no successful job; unknown: no backup source, local or on a backup server');
});

t.test('age is measured against now, not against the collection time', async (t) => {
  // Collected 10 h before now, the backup then 20 h old: 30 h old now.
  const report = collectedAt(sources(backupSource(hoursBefore(30))), hoursBefore(10));
  t.equal(bkp01(report).status, 'warn', '30 h old at evaluation time');
});

t.test('no source at all is unknown saying so, never a guessed fail; no successful job fails', async (t) => {
  const none = bkp01(sources());
  t.equal(none.status, 'unknown');
  t.match(none.explanation.en, /No local backup source; proof from the backup servers is not joined here/);
  t.same(none.evidence, ['/backups/sources']);
  const joinedNone = verdictOf(evaluate(sources(), packForRole('server'), AT, { backupServerProofs: [] }), 'BKP-01');
  t.equal(joinedNone.status, 'unknown');
  t.match(joinedNone.explanation.en, /no local tool \(restic, borg\.\.\.\) and no backup server reports snapshots of/);
  const never = bkp01(sources(backupSource(null)));
  t.equal(never.status, 'fail');
  t.match(never.explanation.en, /no successful backup/);
});

t.test('an unreadable source is unknown unless another source fails; worst wins', async (t) => {
  const alone = bkp01(sources(unreadable));
  t.equal(alone.status, 'unknown');
  t.match(alone.explanation.en, /repository locked by another process/);
  t.equal(bkp01(sources(unreadable, backupSource(hoursBefore(1)))).status, 'unknown', 'unknown outranks pass');
  t.equal(bkp01(sources(backupSource(hoursBefore(30)), unreadable)).status, 'unknown', 'unknown outranks warn');
  const failing = bkp01(sources(unreadable, backupSource(hoursBefore(200))));
  t.equal(failing.status, 'fail', 'fail outranks unknown');
  t.same(failing.evidence, ['/backups/sources/1']);
  t.equal(bkp01(sources(backupSource(hoursBefore(1)), backupSource(hoursBefore(30), '/other'))).status, 'warn');
});

t.test('a success time far in the future is not trusted', async (t) => {
  const future = new Date(AT.getTime() + 60 * 60_000).toISOString();
  t.equal(bkp01(sources(backupSource(future))).status, 'unknown');
  const skew = new Date(AT.getTime() + 60_000).toISOString();
  t.equal(bkp01(sources(backupSource(skew))).status, 'pass', 'one minute of clock skew is tolerated');
});

t.test('workstations: only with local_business_data; admin workstations: not at all', async (t) => {
  const ws = sources(backupSource(hoursBefore(1)));
  const wsReport = { ...ws, host: { ...ws.host, role: 'workstation' as const } };
  const plain = verdictOf(evaluate(wsReport, packForRole('workstation'), AT), 'BKP-01');
  t.equal(plain.status, 'not_applicable');
  t.match(plain.explanation.en, /local_business_data = false/);
  const local = verdictOf(evaluate(wsReport, shippedWithPackParameters('workstation', { local_business_data: true }), AT), 'BKP-01');
  t.equal(local.status, 'pass');
  const adm = { ...ws, host: { ...ws.host, role: 'admin-workstation' as const } };
  t.equal(verdictOf(evaluate(adm, packForRole('admin-workstation'), AT), 'BKP-01').status, 'not_applicable');
});

t.test('no local tool: the backup server proof decides, at the same age boundaries', async (t) => {
  const proof = (hours: number, seconds = 0, target = '/srv/restic/fleet') => ({
    hostname: 'srv-dpi', tool: 'restic' as const, target, last_snapshot_at: hoursBefore(hours, seconds), snapshot_count: 12,
    backup_host_id: '11111111-1111-4111-8111-111111111111', backup_hostname: 'bkp-01', collected_at: hoursBefore(1),
  });
  const judged = (...proofs: ReturnType<typeof proof>[]) => verdictOf(evaluate(sources(), packForRole('server'), AT, { backupServerProofs: proofs }), 'BKP-01');
  t.equal(judged(proof(24)).status, 'pass', '24 h passes');
  t.equal(judged(proof(24, 1)).status, 'warn', '24 h + 1 s warns');
  t.equal(judged(proof(168)).status, 'warn');
  t.equal(judged(proof(168, 1)).status, 'fail', '7 d + 1 s fails');
  const two = judged(proof(200), proof(2, 0, '/srv/borg/offsite'));
  t.equal(two.status, 'pass', 'the most recent of two repositories decides');
  t.match(two.explanation.en, /No local backup tool; proof from the backup server: .*seen by backup server bkp-01/);
  // A local source, when there is one, is what is judged.
  t.equal(verdictOf(evaluate(sources(backupSource(hoursBefore(200))), packForRole('server'), AT, { backupServerProofs: [proof(1)] }), 'BKP-01').status, 'fail');
});
