// ENC-01, NET-09 (hosts tagged `mobile`) and BKP-06..08 at and around their limits.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { EncryptedVolume, Report } from '../../../policies/evidence.js';
import { buildReport, hoursBefore } from '../../helpers/report-builder.js';
import { withBackups } from '../../helpers/report-builder-bkp.js';
import { AT, daysAgo, withSystem } from '../../helpers/report-builder-system.js';
import { completedWith, verdictOf } from '../pack-fixtures.js';

const laptop = withSystem(buildReport({ host: { role: 'workstation', host_id: 'pc-01', hostname: 'pc-01', tags: ['mobile'] } }), {});
const desktop = withSystem(buildReport({ host: { role: 'workstation', host_id: 'pc-02', hostname: 'pc-02' } }), {});
const judge = (id: string, report: Report, parameters: Record<string, unknown> = {}) =>
  verdictOf(evaluate(report, completedWith(report.host.role, id, parameters), AT), id);
const volume = (o: Partial<EncryptedVolume>): EncryptedVolume => ({ mount: '/', scheme: 'luks', protection_on: true, cipher: 'aes-xts-plain64', key_bits: 512, recovery_escrowed: true, suspended_since: null, ...o });

t.test('ENC-01: not applicable without the mobile tag; LUKS XTS with escrow passes; weaker or clear fails', async (t) => {
  t.equal(judge('ENC-01', desktop).status, 'not_applicable');
  t.equal(judge('ENC-01', laptop).status, 'pass');
  const v = (o: Partial<EncryptedVolume>) => judge('ENC-01', withSystem(laptop, { disk_encryption: [volume(o)] })).status;
  t.equal(v({ key_bits: 256 }), 'pass', 'aes-xts with a 256-bit key is XTS-AES-128');
  t.equal(v({ key_bits: 128 }), 'fail', 'below XTS-AES-128');
  t.equal(v({ cipher: 'aes-cbc-essiv:sha256', key_bits: 256 }), 'fail');
  t.equal(v({ scheme: 'none', protection_on: false, cipher: null, key_bits: null }), 'fail');
  t.equal(v({ recovery_escrowed: null }), 'unknown', 'LUKS escrow is not observable on the host');
  t.equal(v({ recovery_escrowed: false }), 'fail');
  t.equal(v({ scheme: 'bitlocker', protection_on: false, suspended_since: hoursBefore(24), cipher: 'XtsAes128' }), 'warn', 'suspended exactly 24 h');
  t.equal(v({ scheme: 'bitlocker', protection_on: false, suspended_since: hoursBefore(24, 1), cipher: 'XtsAes128' }), 'fail');
  t.equal(judge('ENC-01', withSystem(laptop, { disk_encryption: [] })).status, 'unknown', 'no volume information');
  t.equal(judge('ENC-01', withSystem(laptop, { disk_encryption: { unavailable: 'lsblk shows no mounted block device' } })).status, 'unknown');
});

t.test('NET-09: a locked always-on two-factor VPN passes; single factor, user-disableable or none fails', async (t) => {
  t.equal(judge('NET-09', desktop).status, 'not_applicable');
  t.equal(judge('NET-09', laptop).status, 'pass');
  const vpn = (o: Record<string, unknown>) => judge('NET-09', withSystem(laptop, { vpn_profiles: [{ name: 'wg0', kind: 'wireguard', always_on: true, user_can_disable: false, factors: ['client-certificate', 'password'], endpoint: 'vpn', ...o }] })).status;
  t.equal(vpn({ factors: ['publickey'] }), 'fail');
  t.equal(vpn({ user_can_disable: true }), 'fail');
  t.equal(vpn({ always_on: null }), 'unknown');
  t.equal(judge('NET-09', withSystem(laptop, { vpn_profiles: [] })).status, 'fail');
});

const srv = buildReport();

t.test('BKP-06: unacknowledged failure 24 h old passes, + 1 s fails; no alerting or clear transfers fail', async (t) => {
  const m = (o: Record<string, unknown>) => judge('BKP-06', withBackups(srv, { monitoring: { alert_target: 'soc@ch-demo.fr', failed_jobs: [], transport_encrypted: true, ...o } })).status;
  t.equal(m({}), 'pass');
  t.equal(m({ failed_jobs: [{ failed_at: hoursBefore(24), job: 'dpi', acknowledged: false }] }), 'pass', 'exactly 24 h');
  t.equal(m({ failed_jobs: [{ failed_at: hoursBefore(24, 1), job: 'dpi', acknowledged: false }] }), 'fail');
  t.equal(m({ failed_jobs: [{ failed_at: daysAgo(10), job: 'dpi', acknowledged: true }] }), 'pass', 'acknowledged');
  t.equal(m({ alert_target: null }), 'fail');
  t.equal(m({ transport_encrypted: false }), 'fail');
  t.equal(m({ transport_encrypted: null }), 'unknown');
  t.equal(judge('BKP-06', srv).status, 'unknown');
});

t.test('BKP-07: third-party health-data target needs a valid HDS certificate and an EEA region', async (t) => {
  const bkp = buildReport({ host: { role: 'backup-server', host_id: 'bkp-01', hostname: 'bkp-01' } });
  const d = (o: Record<string, unknown>) => judge('BKP-07', withBackups(bkp, { destinations: [{ name: 'offsite', provider: 'Hébergeur', third_party: true, health_data: true, region_country: 'FR', hds_certificate: 'HDS-2024-123', hds_expires_at: '2027-01-01T00:00:00Z', secnumcloud: null, ...o }] })).status;
  t.equal(d({}), 'pass');
  t.equal(d({ hds_expires_at: hoursBefore(0, 1) }), 'fail', 'expired one second ago');
  t.equal(d({ region_country: 'US' }), 'fail');
  t.equal(d({ hds_certificate: null }), 'fail');
  t.equal(d({ third_party: false, hds_certificate: null, region_country: 'US' }), 'pass', 'in-house target');
});

t.test('BKP-08: not applicable without removable targets; left connected 24 h after the job passes, + 1 s warns', async (t) => {
  t.equal(judge('BKP-08', withBackups(srv, { removable_targets: [] })).status, 'not_applicable');
  const r = (o: Record<string, unknown>) => judge('BKP-08', withBackups(srv, { removable_targets: [{ label: 'USB-BKP-3', inventory_id: 'INV-0042', encrypted: true, connected: true, connected_since: hoursBefore(30), last_job_ended_at: hoursBefore(24), ...o }] })).status;
  t.equal(r({}), 'pass', 'exactly 24 h after the job');
  t.equal(r({ last_job_ended_at: hoursBefore(24, 1) }), 'warn');
  t.equal(r({ encrypted: false }), 'fail');
  t.equal(r({ inventory_id: null }), 'fail');
});
