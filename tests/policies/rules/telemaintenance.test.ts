// TMA-01..06: the telemaintenance gateway.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { DeviceAccount, Report, SessionRecord, VendorAccount } from '../../../policies/evidence.js';
import { loadShippedPacks, packForRole, type Pack } from '../../../policies/pack.js';
import { BUILDER_COLLECTED_AT, buildReport, hoursBefore, listener, withListeners, withUnavailable } from '../../helpers/report-builder.js';
import {
  compliantTelemaintenance,
  daysBefore,
  DEFAULT_WINDOW,
  DEVICE_IP,
  gatewayReport,
  minutesAfter,
  tunnel,
  VENDOR_IP,
  withTelemaintenance,
} from '../../helpers/report-builder-bkp.js';
import { verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);

/** The shipped gateway pack with the site declarations the default evidence is judged against. */
function sitePack(overrides: Record<string, Record<string, unknown>> = {}): Pack {
  const pack = structuredClone(packForRole('telemaintenance-gateway'));
  const declared: Record<string, Record<string, unknown>> = {
    'TMA-01': { vendor_sources: [VENDOR_IP], admin_sources: ['10.0.0.0/24'] },
    'TMA-02': { approved_windows: [DEFAULT_WINDOW] },
    'TMA-04': { collector_retention_days: 365 },
    'TMA-06': { declared_flows: [{ name: 'IRM-1 DICOM', destination: DEVICE_IP, ports: [104], protocol: 'tcp' }], infrastructure: [{ name: 'syslog', destination: '10.0.0.20' }] },
  };
  for (const rule of pack.rules) rule.parameters = { ...rule.parameters, ...declared[rule.id], ...overrides[rule.id] };
  return pack;
}
const verdict = (id: string, report: Report, pack: Pack = sitePack(), now = AT) => verdictOf(evaluate(report, pack, now), id);
const gw = gatewayReport();
const TMA = ['TMA-01', 'TMA-02', 'TMA-03', 'TMA-04', 'TMA-05', 'TMA-06'];

t.test('the compliant gateway passes every TMA rule; other roles are not_applicable', async (t) => {
  for (const id of TMA) t.equal(verdict(id, gw).status, 'pass', id);
  for (const id of TMA) t.equal(verdict(id, buildReport(), packForRole('server')).status, 'not_applicable', `${id} on a server`);
  t.equal(loadShippedPacks().size, 7, 'all shipped packs load (six roles and the abstract catalogue-completion pack)');
});

t.test('absent telemaintenance evidence, or shipped packs without declarations, give unknown', async (t) => {
  const none = withTelemaintenance(gw, null);
  for (const id of ['TMA-01', 'TMA-02', 'TMA-03', 'TMA-04', 'TMA-05']) {
    const v = verdict(id, none);
    t.equal(v.status, 'unknown', id);
    t.match(v.explanation.en, /not reported by this agent/, id);
  }
  const unavailable = verdict('TMA-02', withTelemaintenance(gw, { unavailable: 'gateway API refused' }));
  t.equal(unavailable.status, 'unknown');
  t.match(unavailable.explanation.en, /gateway API refused/);
  const shipped = packForRole('telemaintenance-gateway');
  t.match(verdict('TMA-01', gw, shipped).explanation.en, /vendor's IPs not declared/);
  t.equal(verdict('TMA-01', gw, shipped).status, 'unknown');
  t.equal(verdict('TMA-02', gw, shipped).status, 'fail', 'no approved window: the tunnel episode has no window');
  t.equal(verdict('TMA-04', gw, shipped).status, 'unknown', 'collector retention not declared');
  t.equal(verdict('TMA-06', gw, shipped).status, 'unknown', 'flow matrix not declared');
  const netDown = verdict('TMA-03', withUnavailable(gw, 'network', 'proc not mounted'));
  t.equal(netDown.status, 'unknown');
});

t.test('TMA-01: undeclared sources, ingress from any, exposed listeners fail', async (t) => {
  const conn = (source: string) => ({ protocol: 'tcp' as const, source_address: source, local_port: 22, first_seen: hoursBefore(2), last_seen: hoursBefore(1) });
  const base = compliantTelemaintenance();
  if ('unavailable' in base.inbound) throw new Error('unreachable');
  const inbound = (...sources: string[]) => ({ ...base.inbound, connections: sources.map(conn) });
  t.equal(verdict('TMA-01', withTelemaintenance(gw, { inbound: inbound(VENDOR_IP, '10.0.0.7') })).status, 'pass', 'vendor and admin sources');
  const stranger = verdict('TMA-01', withTelemaintenance(gw, { inbound: inbound(VENDOR_IP, '198.51.100.9', '198.51.100.9') }));
  t.equal(stranger.status, 'fail');
  t.match(stranger.explanation.en, /inbound source 198.51.100.9 not declared/);
  t.same(stranger.evidence, ['/telemaintenance/inbound/connections/1'], 'one finding per source');
  t.equal(verdict('TMA-01', withTelemaintenance(gw, { inbound: inbound('::ffff:203.0.113.10') })).status, 'pass', 'IPv4-mapped vendor address');
  for (const source of ['any', '0.0.0.0/0', '::/0']) {
    const v = verdict('TMA-01', withTelemaintenance(gw, { ingress_rules: [{ source, port: 443, protocol: 'tcp', description: null }] }));
    t.equal(v.status, 'fail', source);
  }
  const exposed = verdict('TMA-01', withListeners(gw, [listener(500, '0.0.0.0', 'udp', 'charon'), listener(5900, '0.0.0.0', 'tcp', 'x11vnc'), listener(8080, '127.0.0.1')]));
  t.equal(exposed.status, 'fail');
  t.match(exposed.explanation.en, /exposed listener tcp\/5900 on 0.0.0.0 \(x11vnc\)/);
  t.same(exposed.evidence, ['/network/listeners/1'], 'loopback listeners are not exposure');
  t.equal(verdict('TMA-01', withTelemaintenance(gw, { inbound: { unavailable: 'conntrack missing' } })).status, 'unknown');
});

const account = (overrides: Partial<VendorAccount>): VendorAccount => ({ account: 'vendor-mri', enabled: true, enabled_at: hoursBefore(5), disabled_at: null, ...overrides });

t.test('TMA-02: vendor accounts only inside an approved window, <= 24 h, closed by end + 15 min', async (t) => {
  const v = (a: VendorAccount, windows: { ticket: string; start: string; end: string; accounts?: string[] }[] = [DEFAULT_WINDOW], now = AT) =>
    verdict('TMA-02', withTelemaintenance(gw, { vendor_accounts: [a], tunnels: [] }), sitePack({ 'TMA-02': { approved_windows: windows } }), now);
  const open = { ticket: 'CHG-2', start: hoursBefore(2), end: minutesAfter(60) };
  t.equal(v(account({ enabled_at: hoursBefore(1) }), [open]).status, 'pass', 'enabled inside an open window');
  t.equal(v(account({ enabled_at: hoursBefore(5) }), [open]).status, 'fail', 'enabled before the window started');
  const end = { ticket: 'CHG-3', start: hoursBefore(2), end: minutesAfter(-15) };
  t.equal(v(account({ enabled_at: hoursBefore(1) }), [end]).status, 'pass', 'exactly window end + 15 min');
  const late = v(account({ enabled_at: hoursBefore(1) }), [{ ...end, end: new Date(AT.getTime() - 15 * 60_000 - 1000).toISOString() }]);
  t.equal(late.status, 'fail', 'end + 15 min + 1 s');
  t.match(late.explanation.en, /past the end of window CHG-3 \+ 15 min/);
  const long = { ticket: 'CHG-4', start: hoursBefore(30), end: minutesAfter(60) };
  t.equal(v(account({ enabled_at: hoursBefore(24) }), [long]).status, 'pass', 'enabled exactly 24 h');
  const tooLong = v(account({ enabled_at: hoursBefore(24, 1) }), [long]);
  t.equal(tooLong.status, 'fail', '24 h + 1 s');
  t.match(tooLong.explanation.en, /more than 24 h/);
  t.equal(v(account({ enabled: false, enabled_at: hoursBefore(5), disabled_at: hoursBefore(4) })).status, 'pass', 'past episode inside the window');
  t.equal(v(account({ enabled: false, enabled_at: hoursBefore(5), disabled_at: hoursBefore(2) })).status, 'fail', 'disabled 2 h after a window that ended 3 h ago');
  t.equal(v(account({ enabled: false, enabled_at: daysBefore(20), disabled_at: daysBefore(10) })).status, 'pass', 'episode older than the lookback');
  t.equal(v(account({ enabled_at: null })).status, 'unknown');
  t.equal(v(account({ enabled: false, enabled_at: null, disabled_at: null })).status, 'pass', 'disabled');
  t.equal(v(account({ enabled_at: hoursBefore(1) }), [{ ...open, accounts: ['vendor-ct'] }]).status, 'fail', 'window for another account');
});

t.test('TMA-02: tunnels with no matching window fail', async (t) => {
  const v = (...tunnels: ReturnType<typeof tunnel>[]) => verdict('TMA-02', withTelemaintenance(gw, { vendor_accounts: [], tunnels }));
  t.equal(v(tunnel()).status, 'pass');
  const rogue = v(tunnel({ events: [{ at: hoursBefore(12), event: 'up' }, { at: hoursBefore(11), event: 'down' }] }));
  t.equal(rogue.status, 'fail');
  t.match(rogue.explanation.en, /tunnel vendor-mri established at .* with no approved window/);
  t.same(rogue.evidence, ['/telemaintenance/tunnels/0/events/0']);
  t.equal(v(tunnel({ state: 'up', events: [{ at: hoursBefore(5), event: 'up' }] })).status, 'fail', 'still up 3 h after the window');
  t.equal(v().status, 'pass', 'no account and no tunnel');
  t.equal(verdict('TMA-02', gw).severity, 'critical');
  // The report schema refuses a time that does not parse, but reports stored before it (or read
  // from elsewhere) may hold one: the opening cannot be placed in or out of a window.
  const unparseable = (events: Array<{ at: string; event: 'up' | 'down' }>) => {
    const report = withTelemaintenance(gw, { vendor_accounts: [], tunnels: [tunnel({ events: [{ at: hoursBefore(11), event: 'down' }] })] });
    const tma = report.telemaintenance as { tunnels: Array<{ events: unknown[] }> };
    tma.tunnels[0]!.events = events;
    return verdict('TMA-02', report);
  };
  const leap = unparseable([{ at: '2026-01-01T25:00:00Z', event: 'up' }, { at: hoursBefore(11), event: 'down' }]);
  t.equal(leap.status, 'unknown', 'an opening time that does not parse gives unknown, not pass');
  t.same(leap.evidence, ['/telemaintenance/tunnels/0/events/0']);
  t.match(leap.explanation.en, /opening time does not parse/);
  t.equal(unparseable([{ at: 'not a time', event: 'up' }, { at: hoursBefore(12), event: 'up' }]).status, 'fail', 'an opening outside any window still fails');
});

const deviceAccount = (overrides: Partial<DeviceAccount>): DeviceAccount => ({ device: 'IRM-1', account: 'vendor-mri', auth: 'mfa', otp_validity_hours: null, credential_reused: false, ...overrides });

t.test('TMA-03: dedicated accounts, unique credentials, MFA or OTP < 24 h', async (t) => {
  const v = (...a: DeviceAccount[]) => verdict('TMA-03', withTelemaintenance(gw, { device_accounts: a }));
  t.equal(v(deviceAccount({}), deviceAccount({ device: 'CT-1', account: 'vendor-ct' })).status, 'pass');
  const shared = v(deviceAccount({}), deviceAccount({ device: 'CT-1' }));
  t.equal(shared.status, 'fail');
  t.match(shared.explanation.en, /vendor-mri@IRM-1: account shared by 2 devices/);
  t.equal(v(deviceAccount({ credential_reused: true })).status, 'fail');
  t.equal(v(deviceAccount({ credential_reused: null })).status, 'unknown');
  const otp = (h: number | null) => v(deviceAccount({ auth: 'one-time-password', otp_validity_hours: h }));
  t.equal(otp(23.99).status, 'pass');
  t.equal(otp(24).status, 'fail', 'exactly 24 h fails: the catalogue says < 24 h');
  t.equal(otp(null).status, 'unknown');
  t.equal(v(deviceAccount({ auth: 'password' })).status, 'fail');
  t.equal(v(deviceAccount({ auth: 'publickey' })).status, 'fail');
  t.equal(v().status, 'unknown', 'no account reported');
});

const session = (overrides: Partial<SessionRecord>): SessionRecord => ({
  session_id: 'S-9',
  account: 'vendor-mri',
  source_address: VENDOR_IP,
  device: 'IRM-1',
  started_at: daysBefore(8),
  ended_at: daysBefore(7),
  actions_recorded: true,
  report_id: null,
  ...overrides,
});

t.test('TMA-04: forwarding <= 24 h, retention >= 180 d (warn < 365 d), reports within 7 d', async (t) => {
  const fwd = (at: string | null) => verdict('TMA-04', withTelemaintenance(gw, { log_forwarding: { target: 'siem', last_shipped_at: at } }));
  t.equal(fwd(hoursBefore(24)).status, 'pass', 'exactly 24 h');
  t.equal(fwd(hoursBefore(24, 1)).status, 'fail');
  t.match(fwd(hoursBefore(24, 1)).explanation.en, /last event shipped to siem 1 d 0 h 00 min 01 s ago \(> 24 h\)/);
  t.equal(fwd(null).status, 'fail');
  t.equal(fwd(minutesAfter(60)).status, 'unknown');
  const retention = (days: number | null) => verdict('TMA-04', gw, sitePack({ 'TMA-04': { collector_retention_days: days } }));
  t.equal(retention(365).status, 'pass');
  t.equal(retention(364).status, 'warn');
  t.equal(retention(180).status, 'warn', 'exactly 180 d meets the minimum');
  t.equal(retention(179).status, 'fail');
  t.equal(retention(null).status, 'unknown');
  const s = (x: Partial<SessionRecord>) => verdict('TMA-04', withTelemaintenance(gw, { sessions: [session(x)] }));
  t.equal(s({}).status, 'pass', 'ended exactly 7 days ago');
  t.equal(s({ ended_at: daysBefore(7, 1) }).status, 'warn');
  t.match(s({ ended_at: daysBefore(7, 1) }).explanation.en, /session S-9 \(vendor-mri, .*\) has no intervention report after 7 d/);
  t.equal(s({ ended_at: daysBefore(30), report_id: 'RI-77' }).status, 'pass');
  t.equal(s({ ended_at: null, started_at: daysBefore(9) }).status, 'warn', 'still open after 9 days, no report');
  t.equal(verdict('TMA-04', withTelemaintenance(gw, { sessions: { unavailable: 'bastion API down' } })).status, 'unknown');
});

t.test('TMA-05: IKEv2/TLS with certificates pass, PSK warns, cleartext fails', async (t) => {
  const v = (...x: Parameters<typeof tunnel>[0][]) => verdict('TMA-05', withTelemaintenance(gw, { tunnels: x.map((o) => tunnel(o)) }));
  t.equal(v({}).status, 'pass');
  t.equal(v({ type: 'tls-vpn', tls_version: '1.2' }).status, 'pass');
  t.equal(v({ type: 'tls-vpn', tls_version: 'TLSv1.3' }).status, 'pass');
  t.equal(v({ type: 'tls-vpn', tls_version: '1.1' }).status, 'fail');
  t.equal(v({ type: 'tls-vpn', tls_version: null }).status, 'unknown');
  t.equal(v({ authentication: 'psk' }).status, 'warn');
  t.equal(v({ type: 'ipsec-ikev1' }).status, 'warn', 'not one of the accepted channels');
  t.equal(v({ type: 'cleartext' }).status, 'fail');
  t.equal(v({ authentication: 'none' }).status, 'fail');
  t.equal(v({}, { authentication: 'psk' }, { type: 'cleartext' }).status, 'fail', 'worst wins');
  const none = v();
  t.equal(none.status, 'unknown');
  t.match(none.explanation.en, /No tunnel reported/);
  const v13 = verdict('TMA-05', withTelemaintenance(gw, { tunnels: [tunnel({ type: 'tls-vpn', tls_version: '1.2' })] }), sitePack({ 'TMA-05': { min_tls_version: '1.3' } }));
  t.equal(v13.status, 'fail', 'configurable minimum');
});

t.test('TMA-06: internal destinations limited to declared flows and infrastructure', async (t) => {
  const withFlows = (...flows: [string, number, 'tcp' | 'udp'][]) => {
    const copy = structuredClone(gw);
    if ('unavailable' in copy.network || 'unavailable' in copy.network.outbound) throw new Error('unreachable');
    copy.network.outbound.flows = flows.map(([remote_address, remote_port, protocol]) => ({
      protocol, remote_address, remote_port, remote_fqdn: null, process: 'x', pid: 1, first_seen: hoursBefore(2), last_seen: hoursBefore(1),
    }));
    return copy;
  };
  t.equal(verdict('TMA-06', withFlows([DEVICE_IP, 104, 'tcp'], ['10.0.0.20', 514, 'udp'], ['8.8.8.8', 443, 'tcp'], ['127.0.0.1', 80, 'tcp'])).status, 'pass', 'Internet and loopback are not judged here');
  const other = verdict('TMA-06', withFlows([DEVICE_IP, 104, 'tcp'], ['10.1.2.3', 445, 'tcp'], ['10.1.2.3', 445, 'tcp']));
  t.equal(other.status, 'fail');
  t.match(other.explanation.en, /undeclared internal destinations: tcp 10.1.2.3:445/);
  t.same(other.evidence, ['/network/outbound/flows/1']);
  t.equal(verdict('TMA-06', withFlows([DEVICE_IP, 3389, 'tcp'])).status, 'fail', 'declared device, undeclared port');
  t.equal(verdict('TMA-06', withFlows([DEVICE_IP, 104, 'udp'])).status, 'fail', 'declared device, other protocol');
  t.equal(verdict('TMA-06', withFlows(['fd00::5', 22, 'tcp'])).status, 'fail', 'IPv6 ULA is internal');
  t.equal(verdict('TMA-06', gw).severity, 'critical');
});
