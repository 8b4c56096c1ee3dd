// NET-06 (no legacy cleartext protocols) and NET-07 (host firewall on, default-deny inbound).
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { FirewallProfile, Report } from '../../../policies/evidence.js';
import type { Pack } from '../../../policies/pack.js';
import { RULE_REGISTRY } from '../../../policies/rules/registry.js';
import { BUILDER_COLLECTED_AT, buildReport, hoursBefore, listener, withListeners } from '../../helpers/report-builder.js';
import { allowEntry, flow, packWithAllowlist, withFlows, withNetwork } from '../../helpers/report-builder-net.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const verdict = (id: string, report: Report, pack: Pack) => verdictOf(evaluate(report, pack, AT), id);

// ---------------------------------------------------------------- NET-06

const smbOff = withNetwork(buildReport(), { smb1: { source: 'testparm -s', server_enabled: false, client_enabled: false } });
const net06Pack = shippedWith('server', 'NET-06', {});
const net06 = (report: Report, pack: Pack = net06Pack) => verdict('NET-06', report, pack);

t.test('NET-06: no cleartext listener or flow and SMBv1 off passes; SMBv1 unreported is unknown', async (t) => {
  t.equal(net06(smbOff).status, 'pass');
  const unreported = net06(buildReport());
  t.equal(unreported.status, 'unknown');
  t.match(unreported.explanation.en, /SMBv1 state not reported by this agent/);
  t.same(unreported.evidence, ['/network/smb1']);
  t.equal(verdict('NET-06', buildReport({ host: { role: 'backup-server' } }), shippedWith('backup-server', 'NET-06', {})).status, 'unknown', 'applies to every role');
});

t.test('NET-06: cleartext listeners fail unless declared with a justification; loopback is ignored', async (t) => {
  const telnet = net06(withListeners(smbOff, [listener(23, '0.0.0.0', 'tcp', 'in.telnetd')]));
  t.equal(telnet.status, 'fail');
  t.match(telnet.explanation.en, /0\.0\.0\.0:23\/tcp \(in\.telnetd\): cleartext Telnet service listening/);
  t.match(telnet.explanation.fr, /service en clair Telnet en écoute/);
  t.same(telnet.evidence, ['/network/listeners/0']);
  for (const [port, proto, name] of [[21, 'tcp', 'FTP'], [69, 'udp', 'TFTP'], [110, 'tcp', 'POP3'], [143, 'tcp', 'IMAP'], [512, 'tcp', 'r-services'], [514, 'tcp', 'r-services']] as const) {
    t.match(net06(withListeners(smbOff, [listener(port, '10.0.0.5', proto)])).explanation.en, new RegExp(`cleartext ${name}`), `${port}/${proto}`);
  }
  t.equal(net06(withListeners(smbOff, [listener(69, '0.0.0.0', 'tcp')])).status, 'pass', 'TFTP is UDP: tcp 69 is not in the list');
  t.equal(net06(withListeners(smbOff, [listener(511, '0.0.0.0'), listener(515, '0.0.0.0')])).status, 'pass', 'around 512-514');
  t.equal(net06(withListeners(smbOff, [listener(21, '127.0.0.1', 'tcp', 'vsftpd')])).status, 'pass', 'loopback');
  const legacy = shippedWith('server', 'NET-06', { legacy_listeners: [{ port: 21, protocol: 'tcp', bind: '10.0.0.5', justification: 'Modality worklist of the 2009 CT scanner' }] });
  const ok = net06(withListeners(smbOff, [listener(21, '10.0.0.5', 'tcp', 'vsftpd')]), legacy);
  t.equal(ok.status, 'pass');
  t.match(ok.explanation.en, /declared exception \(Modality worklist of the 2009 CT scanner\)/);
  t.equal(net06(withListeners(smbOff, [listener(21, '0.0.0.0', 'tcp', 'vsftpd')]), legacy).status, 'fail', 'another bind address');
  t.not(RULE_REGISTRY.get('NET-06')?.parameterErrors({ ...net06Pack.rules.find((r) => r.id === 'NET-06')?.parameters, legacy_listeners: [{ port: 21, protocol: 'tcp', justification: 'short' }] }).length, 0, 'justification too short');
});

t.test('NET-06: cleartext flows need an allowlist entry that is a justified exception', async (t) => {
  const ftp = withFlows(smbOff, [flow('10.30.0.7', 21, { process: 'lftp' })]);
  const bare = net06(ftp);
  t.equal(bare.status, 'fail');
  t.match(bare.explanation.en, /10\.30\.0\.7:21\/tcp \(lftp\): cleartext FTP flow \(no allowlist entry for 10\.30\.0\.7\)/);
  const entry = allowEntry({ cidr: '10.30.0.7/32' }, { ports: [21] });
  const notException = net06(ftp, packWithAllowlist(net06Pack, [entry]));
  t.equal(notException.status, 'fail');
  t.match(notException.explanation.en, /not a justified exception/);
  const justified = net06(ftp, packWithAllowlist(net06Pack, [{ ...entry, exception: true, justification: 'PACS of the 2008 MRI, FTP only' }]));
  t.equal(justified.status, 'pass');
  t.match(justified.explanation.en, /exception e-10\.30\.0\.7_32 \(PACS of the 2008 MRI, FTP only\)/);
  const expired = net06(ftp, packWithAllowlist(net06Pack, [{ ...entry, exception: true, justification: 'x'.repeat(20), expires_at: hoursBefore(0, 1) }]));
  t.equal(expired.status, 'fail', 'an expired exception no longer applies');
  t.match(expired.explanation.en, /expired at/);
  t.equal(net06(withFlows(smbOff, [flow('127.0.0.1', 143)])).status, 'pass', 'loopback flow ignored');
  t.equal(net06(withNetwork(smbOff, { outbound: { unavailable: 'no /proc/net' } })).status, 'unknown');
});

t.test('NET-06: SMBv1 enabled on either side fails; an unobservable side is unknown', async (t) => {
  const server = net06(withNetwork(buildReport(), { smb1: { source: 'Get-SmbServerConfiguration', server_enabled: true, client_enabled: false } }));
  t.equal(server.status, 'fail');
  t.match(server.explanation.en, /SMBv1 enabled on the server side \(Get-SmbServerConfiguration\)/);
  t.same(server.evidence, ['/network/smb1/server_enabled']);
  t.equal(net06(withNetwork(buildReport(), { smb1: { source: 's', server_enabled: false, client_enabled: true } })).status, 'fail');
  t.equal(net06(withNetwork(buildReport(), { smb1: { source: 's', server_enabled: false, client_enabled: null } })).status, 'unknown');
  t.equal(net06(withNetwork(buildReport(), { smb1: { unavailable: 'samba not installed and no kernel module info' } })).status, 'unknown');
});

// ---------------------------------------------------------------- NET-07

const profile = (overrides: Partial<FirewallProfile> = {}): FirewallProfile => ({
  name: 'Domain',
  active: true,
  enabled: true,
  default_inbound: 'block',
  logs_blocked: true,
  ...overrides,
});
const withFirewall = (...profiles: FirewallProfile[]) =>
  withNetwork(buildReport({ host: { role: 'workstation' } }), { firewall: { source: 'Get-NetFirewallProfile', profiles } });
const net07 = (report: Report, parameters: Record<string, unknown> = {}) => verdict('NET-07', report, shippedWith('workstation', 'NET-07', parameters));

t.test('NET-07: every active profile on with default block and logging passes', async (t) => {
  const v = net07(withFirewall(profile(), profile({ name: 'Private' }), profile({ name: 'Public', active: false, enabled: false, default_inbound: 'allow' })));
  t.equal(v.status, 'pass', 'an inactive profile is not judged');
  t.match(v.explanation.en, /profile Domain: enabled, default deny, blocked traffic logged/);
  t.same(v.evidence, ['/network/firewall/profiles/0', '/network/firewall/profiles/1']);
});

t.test('NET-07: disabled or default-allow fails; unknown policy is unknown; no logging warns', async (t) => {
  const off = net07(withFirewall(profile(), profile({ name: 'Public', enabled: false })));
  t.equal(off.status, 'fail');
  t.match(off.explanation.en, /profile Public: firewall disabled/);
  t.same(off.evidence, ['/network/firewall/profiles/1/enabled']);
  t.match(net07(withFirewall(profile({ default_inbound: 'allow' }))).explanation.fr, /entrant autorisé par défaut/);
  t.equal(net07(withFirewall(profile({ default_inbound: null }))).status, 'unknown');
  const noLog = net07(withFirewall(profile({ logs_blocked: false })));
  t.equal(noLog.status, 'warn');
  t.match(noLog.explanation.en, /blocked traffic is not logged/);
  t.equal(net07(withFirewall(profile({ logs_blocked: false })), { missing_logging: 'fail' }).status, 'fail', 'configurable');
  t.equal(net07(withFirewall(profile({ logs_blocked: null }))).status, 'unknown');
  t.equal(net07(withFirewall(profile({ logs_blocked: false }), profile({ name: 'Public', enabled: false }))).status, 'fail', 'fail outranks warn');
});

t.test('NET-07: no firewall evidence or no active profile is unknown, never pass', async (t) => {
  const unreported = net07(buildReport({ host: { role: 'workstation' } }));
  t.equal(unreported.status, 'unknown');
  t.match(unreported.explanation.en, /Host firewall state not reported by this agent/);
  t.equal(net07(withNetwork(buildReport({ host: { role: 'workstation' } }), { firewall: { unavailable: 'nft: permission denied' } })).status, 'unknown');
  const inactive = net07(withFirewall(profile({ active: false })));
  t.equal(inactive.status, 'unknown');
  t.match(inactive.explanation.en, /No active firewall profile was reported/);
  t.equal(net07(withFirewall()).status, 'unknown', 'empty profile list');
  t.equal(verdict('NET-07', buildReport({ host: { role: 'backup-server' } }), shippedWith('backup-server', 'NET-07', {})).status, 'not_applicable');
});
