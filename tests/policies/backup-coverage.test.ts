// Joining backup servers' hosts_covered to hosts by name: FQDN and short names, several servers,
// unavailable coverage ignored.
import t from 'tap';
import { backupCoverageIndex, hostNameKeys, proofsFor } from '../../policies/backup-coverage.js';
import type { CoveredHost, Report } from '../../policies/evidence.js';
import { buildReport, hoursBefore } from '../helpers/report-builder.js';

function backupServer(hostId: string, hostname: string, covered: CoveredHost[] | { unavailable: string }) {
  const report = buildReport() as Report;
  if ('unavailable' in report.backups) throw new Error('builder has backups');
  return { host_id: hostId, hostname, report: { ...report, backups: { ...report.backups, hosts_covered: covered } } };
}
const covered = (hostname: string, hours: number): CoveredHost => ({ hostname, tool: 'restic', target: '/srv/restic', last_snapshot_at: hoursBefore(hours), snapshot_count: 3 });

t.test('name keys', async (t) => {
  t.same(hostNameKeys('SRV-DPI.chu.local.'), ['srv-dpi.chu.local', 'srv-dpi']);
  t.same(hostNameKeys('pc-0042'), ['pc-0042']);
});

t.test('proofs are found by full name, then by short name; several servers add up', async (t) => {
  const index = backupCoverageIndex([
    backupServer('a', 'bkp-01', [covered('srv-dpi.chu.local', 2), covered('PC-ACCUEIL', 30)]),
    backupServer('b', 'bkp-02', [covered('srv-dpi', 5)]),
    backupServer('c', 'bkp-03', { unavailable: 'restic: repository locked' }),
  ]);
  t.same(proofsFor(index, 'srv-dpi.chu.local').map((p) => p.backup_hostname), ['bkp-01'], 'exact FQDN wins over a short-name proof');
  t.same(proofsFor(index, 'srv-dpi').map((p) => p.backup_hostname).sort(), ['bkp-01', 'bkp-02'], 'a short name matches both');
  t.same(proofsFor(index, 'pc-accueil.chu.local').map((p) => p.hostname), ['PC-ACCUEIL'], 'a short-name snapshot covers the FQDN host');
  t.same(proofsFor(index, 'pc-inconnu'), []);
});
