// The pure Linux parsers of issue 19, on outputs and files as the real tools write them
// (nft 1.0.6 JSON, util-linux `last`, chronyc 4.3 CSV, apt 2.6 simulation, lsblk 2.38 JSON).
import t from 'tap';
import { iptablesProfile, nftIngressAccepts, nftProfiles } from '../../../agent/collectors/parse-nft.js';
import { isSudoersDropIn, parseSudoers } from '../../../agent/collectors/parse-sudoers.js';
import { groupMembers, parsePasswd, parseShadow } from '../../../agent/collectors/parse-shadow.js';
import { lastLogonByUser, parseLast } from '../../../agent/collectors/parse-last.js';
import { floorAllowsSmb1, parseSmbGlobal } from '../../../agent/collectors/parse-smb-conf.js';
import { mergeChromiumFiles, parseChromiumPolicies, parseFirefoxPolicies } from '../../../agent/collectors/parse-browser-policies.js';
import { dconfLocksProxy, parseAptProxy, parseDconfKeyfile, parseEnvironmentFile } from '../../../agent/collectors/parse-system-proxy.js';
import { parseIpsecConf, parseOpenVpnConfig, parseWireGuardConfig } from '../../../agent/collectors/parse-vpn-config.js';
import { parseChronySources, parseChronyTracking } from '../../../agent/collectors/parse-chronyc.js';
import { parseJournalUploadConf, parseRsyslogConf, parseSyslogNgConf } from '../../../agent/collectors/parse-log-forwarding.js';
import { parseAptHistoryLastInstall, parseAptSimulate, parseReleaseDate } from '../../../agent/collectors/parse-updates.js';
import { mountedVolumes, parseCryptsetupStatus, parseLsblk } from '../../../agent/collectors/parse-lsblk.js';
import { parseOsRelease } from '../../../agent/collectors/parse-os-release.js';

const nft = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }, ...items] });
const table = { table: { family: 'inet', name: 'filter', handle: 1 } };
const inputChain = (policy: string, family = 'inet') => ({ chain: { family, table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy } });
const rule = (expr: unknown[], family = 'inet') => ({ rule: { family, table: 'filter', chain: 'input', handle: 5, expr } });
const lo = { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'lo' } };
const ssh = (src: unknown) => [
  ...(src === null ? [] : [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: src } }]),
  { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } },
  { accept: null },
];

t.test('nft: an inet input chain with policy drop blocks both families; a log rule counts as logging', async (t) => {
  const profiles = nftProfiles(nft([table, inputChain('drop'), rule([lo, { accept: null }]), rule([{ log: { prefix: 'drop ' } }, { drop: null }])]));
  t.same(profiles.map((p) => [p.enabled, p.default_inbound, p.logs_blocked]), [[true, 'block', true], [true, 'block', true]]);
});

t.test('nft: policy accept ending in a catch-all drop blocks; without it, inbound is allowed', async (t) => {
  t.equal(nftProfiles(nft([table, inputChain('accept'), rule([{ counter: { packets: 0, bytes: 0 } }, { drop: null }])]))[0]?.default_inbound, 'block');
  t.equal(nftProfiles(nft([table, inputChain('accept'), rule(ssh(null))]))[0]?.default_inbound, 'allow');
  // A drop that matches something is not a default.
  t.equal(nftProfiles(nft([table, inputChain('accept'), rule([{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 23 } }, { drop: null }])]))[0]?.default_inbound, 'allow');
});

t.test('nft: an ip-only chain leaves IPv6 without a firewall; an empty ruleset is off', async (t) => {
  const profiles = nftProfiles(nft([{ table: { family: 'ip', name: 'filter' } }, inputChain('drop', 'ip')]));
  t.same(profiles.map((p) => p.enabled), [true, false]);
  t.same(nftProfiles(nft([])).map((p) => p.enabled), [false, false]);
});

t.test('nft: malformed or truncated JSON is an error, never an empty ruleset', async (t) => {
  t.throws(() => nftProfiles('{"nftables": [{"metainfo"'), /not JSON/);
  t.throws(() => nftProfiles('{"rules": []}'), /no "nftables"/);
});

t.test('nft ingress accepts: source any vs a declared prefix; loopback and conntrack rules skipped', async (t) => {
  const rules = nftIngressAccepts(
    nft([table, inputChain('drop'), rule([lo, { accept: null }]), rule([{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established'] } }, { accept: null }]), rule(ssh(null)), rule(ssh({ prefix: { addr: '203.0.113.0', len: 24 } }))]),
  );
  t.same(rules, [
    { source: 'any', port: 22, protocol: 'tcp' },
    { source: '203.0.113.0/24', port: 22, protocol: 'tcp' },
  ]);
});

t.test('iptables-save: INPUT policy and a final REJECT', async (t) => {
  const save = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j LOG --log-prefix "in "\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n';
  t.same(iptablesProfile(save, 'IPv4'), { name: 'iptables filter INPUT (IPv4)', active: true, enabled: true, default_inbound: 'block', logs_blocked: true });
  t.equal(iptablesProfile('', 'IPv4').enabled, false);
  t.equal(iptablesProfile('*filter\n:INPUT DROP [0:0]\nCOMMIT\n', 'IPv6').default_inbound, 'block');
});

t.test('sudoers: users, groups and aliases granted ALL; restricted commands and includes', async (t) => {
  const file = parseSudoers(
    [
      'Defaults env_reset',
      'User_Alias ADMINS = alice, bob',
      'root ALL=(ALL:ALL) ALL',
      '%sudo ALL=(ALL:ALL) ALL',
      'ADMINS ALL=(ALL) NOPASSWD: ALL',
      'backup ALL=(root) /usr/bin/restic, \\',
      '  /usr/bin/borg',
      'web ALL=(www-data) ALL',
      '@includedir /etc/sudoers.d',
      '#includedir /etc/sudoers.old',
    ].join('\n'),
    '/etc/sudoers',
  );
  t.same(
    file.grants.map((g) => [g.principal, g.all_commands, g.nopasswd]),
    [['root', true, false], ['%sudo', true, false], ['alice', true, true], ['bob', true, true], ['backup', false, false], ['web', false, false]],
  );
  t.same(file.includes, [{ dir: true, path: '/etc/sudoers.d' }, { dir: true, path: '/etc/sudoers.old' }]);
  t.ok(isSudoersDropIn('90-admins'));
  t.notOk(isSudoersDropIn('README.txt'));
  t.notOk(isSudoersDropIn('admins~'));
});

t.test('shadow: usable, locked, no password; expiry and last change; never a hash out', async (t) => {
  const entries = parseShadow(['root:!:20000:0:99999:7:::', 'alice:$y$j9T$abc$def:20400:0:90:7:::', 'vendor1:!$6$x$y:20000:0:99999:7::20430:', 'daemon:*:19000:0:99999:7:::'].join('\n'));
  t.same(entries.map((e) => [e.name, e.password, e.max_days]), [['root', 'locked', null], ['alice', 'usable', 90], ['vendor1', 'locked', null], ['daemon', 'none', null]]);
  t.equal(entries[2]?.expires_at?.toISOString(), '2025-12-08T00:00:00.000Z');
  t.notMatch(JSON.stringify(entries), /\$y\$|\$6\$/);
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:27::/home/bob:/bin/bash\n');
  t.same(groupMembers('sudo:x:27:alice\nvendors:x:2000:\n', passwd, ['sudo', 'vendors']), new Map([['sudo', ['alice', 'bob']], ['vendors', []]]));
});

t.test('last: logons, reboots skipped, wtmp start', async (t) => {
  const history = parseLast(
    [
      'alice    pts/0        192.0.2.10       2026-12-01T09:00:00+00:00 - 2026-12-01T10:00:00+00:00  (01:00)',
      'reboot   system boot  6.1.0-27-amd64   2026-12-01T08:00:00+00:00   still running',
      'alice    tty1                          2026-12-03T09:00:00+01:00   still logged in',
      '',
      'wtmp begins 2026-11-01T00:00:00+00:00',
    ].join('\n'),
  );
  t.equal(history.since, '2026-11-01T00:00:00.000Z');
  t.same(lastLogonByUser(history), new Map([['alice', '2026-12-03T08:00:00.000Z']]));
});

t.test('smb.conf: server and client floors of [global] only; NT1 means SMBv1', async (t) => {
  const floors = parseSmbGlobal('[global]\n   server min protocol = NT1\n\tclient min protocol=SMB2_10\n[share]\n  server min protocol = SMB3\n');
  t.same(floors, { server_min: 'NT1', client_min: 'SMB2_10' });
  t.ok(floorAllowsSmb1('NT1'));
  t.notOk(floorAllowsSmb1('SMB2_02'));
  t.notOk(floorAllowsSmb1(null), 'Samba >= 4.11 defaults to SMB2_02');
});

t.test('browser policies: Firefox DoH and locked proxy; Chromium managed files', async (t) => {
  const ff = parseFirefoxPolicies(JSON.stringify({ policies: { DNSOverHTTPS: { Enabled: false, Locked: true }, Proxy: { Mode: 'manual', HTTPProxy: 'user:secret@proxy.chu.local:3128', Locked: true } } }));
  t.same(ff, { doh: 'off', proxy: { mode: 'fixed', server: 'proxy.chu.local:3128', pac_url: null, locked: true } });
  t.equal(parseFirefoxPolicies(JSON.stringify({ policies: { DNSOverHTTPS: { Enabled: true, Fallback: false } } })).doh, 'secure');
  t.equal(parseFirefoxPolicies(JSON.stringify({ policies: { Proxy: { Mode: 'manual', HTTPProxy: 'p:3128' } } })).proxy?.locked, false);
  const merged = mergeChromiumFiles([parseChromiumPolicies('{"DnsOverHttpsMode":"off"}'), parseChromiumPolicies('{"ProxySettings":{"ProxyMode":"pac_script","ProxyPacUrl":"http://wpad.chu.local/proxy.pac"}}')]);
  t.same(merged, { doh: 'off', proxy: { mode: 'pac', server: null, pac_url: 'http://wpad.chu.local/proxy.pac', locked: true } });
  t.throws(() => parseChromiumPolicies('{"DnsOverHttpsMode": "off"'), /not valid JSON/);
});

t.test('system proxy: /etc/environment, apt, dconf keyfile and lock', async (t) => {
  t.same(parseEnvironmentFile('PATH="/usr/bin"\nhttp_proxy="http://u:p@proxy:3128/"\nHTTPS_PROXY=http://proxy:3128/\n'), { http: 'http://proxy:3128/', https: 'http://proxy:3128/' });
  t.equal(parseAptProxy('Acquire::http::Proxy "http://aptcache.chu.local:3142/";\n'), 'http://aptcache.chu.local:3142/');
  t.equal(parseAptProxy('Acquire::http::Proxy "DIRECT";'), null);
  t.same(parseDconfKeyfile("[system/proxy]\nmode='manual'\n\n[system/proxy/http]\nhost='proxy.chu.local'\nport=3128\n"), { mode: 'manual', server: 'proxy.chu.local:3128', pac_url: null });
  t.ok(dconfLocksProxy('/system/proxy/mode\n'));
  t.notOk(dconfLocksProxy('/org/gnome/desktop/background/picture-uri\n'));
});

t.test('OpenVPN: server with client certificates, with PAM password, and static-key', async (t) => {
  const base = 'port 1194\nproto udp\ndev tun0\nca ca.crt\ncert server.crt\nkey server.key\ndh none\nserver 10.8.0.0 255.255.255.0\ntls-version-min 1.2\ndata-ciphers AES-256-GCM:AES-128-GCM\n';
  const certs = parseOpenVpnConfig(base, 'openvpn server/vendor');
  t.same([certs.role, certs.type, certs.authentication, certs.factors, certs.tls_version, certs.interface], ['server', 'tls-vpn', 'certificate', ['client-certificate'], '1.2', 'tun0']);
  const pam = parseOpenVpnConfig(`${base}plugin /usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-auth-pam.so openvpn\n`, 'x');
  t.same(pam.factors, ['client-certificate', 'password']);
  const noCert = parseOpenVpnConfig(`${base}verify-client-cert none\nauth-user-pass-verify /etc/openvpn/check.sh via-file\n`, 'x');
  t.same([noCert.authentication, noCert.factors], ['password', ['password']]);
  const stat = parseOpenVpnConfig('dev tun\nsecret static.key\nremote vpn.vendor.example 1194\n', 'x');
  t.same([stat.role, stat.type, stat.authentication, stat.endpoint], ['client', 'other', 'psk', 'vpn.vendor.example']);
  t.notMatch(JSON.stringify(parseOpenVpnConfig(`${base}<key>\n-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n</key>\n`, 'x')), /SECRET/);
});

t.test('WireGuard: listening side is a server; keys never leave', async (t) => {
  const wg = parseWireGuardConfig('[Interface]\nPrivateKey = aPrivateKeyThatMustNotLeave=\nListenPort = 51820\nAddress = 10.9.0.1/24\n\n[Peer]\nPublicKey = peerKey=\nPresharedKey = pskThatMustNotLeave=\nAllowedIPs = 10.9.0.2/32\n', 'wg0');
  t.same([wg.role, wg.factors, wg.interface], ['server', ['publickey', 'other'], 'wg0']);
  t.notMatch(JSON.stringify(wg), /MustNotLeave/);
  const client = parseWireGuardConfig('[Interface]\nPrivateKey = k=\n[Peer]\nPublicKey = p=\nEndpoint = [2001:db8::1]:51820\n', 'wg1');
  t.same([client.role, client.endpoint], ['client', '2001:db8::1']);
});

t.test('ipsec.conf: IKEv2 certificates, PSK, IKEv1 XAuth, EAP second round', async (t) => {
  const conns = parseIpsecConf(
    [
      'config setup',
      '  uniqueids=yes',
      'conn %default',
      '  keyexchange=ikev2',
      'conn vendor-cert',
      '  right=%any',
      '  rightauth=pubkey',
      'conn vendor-psk',
      '  right=%any',
      '  authby=secret',
      'conn legacy',
      '  keyexchange=ikev1',
      '  right=198.51.100.7',
      '  authby=xauthpsk',
      'conn mfa',
      '  right=%any',
      '  rightauth=pubkey',
      '  rightauth2=eap-mschapv2',
    ].join('\n'),
  );
  t.same(
    conns.map((c) => [c.name, c.role, c.type, c.authentication, c.factors]),
    [
      ['ipsec conn vendor-cert', 'server', 'ipsec-ikev2', 'certificate', ['client-certificate']],
      ['ipsec conn vendor-psk', 'server', 'ipsec-ikev2', 'psk', ['other']],
      ['ipsec conn legacy', 'peer', 'ipsec-ikev1', 'psk', ['other', 'password']],
      ['ipsec conn mfa', 'server', 'ipsec-ikev2', 'certificate', ['client-certificate', 'password']],
    ],
  );
});

t.test('chronyc: tracking synchronised or not; sources with the selected one', async (t) => {
  const synced = parseChronyTracking('7F000001,127.0.0.1,9,1733530000.123456789,-0.000012345,0.000001,0.000002,-1.234,0.001,0.01,0.000050,0.000100,2.0,Normal\n');
  t.same(synced, { reference: '127.0.0.1', synchronized: true, offset_seconds: 0.000012345 });
  t.equal(parseChronyTracking('00000000,,0,0.000000000,0.000000000,0.0,0.0,0.0,0.0,0.0,1.0,1.0,0.0,Not synchronised\n').synchronized, false);
  t.throws(() => parseChronyTracking('7F000001,127.0.0.1,9'), /14 CSV fields/);
  t.same(parseChronySources('^,*,10.1.2.3,2,6,377,12,0.000001,0.000001,0.0001\n^,?,10.1.2.4,0,6,0,-,0,0,0\n'), [{ name: '10.1.2.3', selected: true }, { name: '10.1.2.4', selected: false }]);
});

t.test('log forwarding: rsyslog legacy and action syntax, syslog-ng, journal-upload', async (t) => {
  t.same(parseRsyslogConf('*.* @@logs.chu.local:6514\nauth.* @10.0.0.5\n# *.* @@old:514\naction(type="omfwd" target="siem.chu.local" port="6514" protocol="tcp" StreamDriver="gtls" StreamDriverMode="1")\n'), [
    { daemon: 'rsyslog', target: 'logs.chu.local:6514', protocol: 'tcp' },
    { daemon: 'rsyslog', target: '10.0.0.5:514', protocol: 'udp' },
    { daemon: 'rsyslog', target: 'siem.chu.local:6514', protocol: 'tls' },
  ]);
  t.same(parseSyslogNgConf('destination d_siem { network("siem.chu.local" port(6514) transport("tls")); };\ndestination d_udp { udp("10.0.0.6"); };\n'), [
    { daemon: 'syslog-ng', target: 'siem.chu.local:6514', protocol: 'tls' },
    { daemon: 'syslog-ng', target: '10.0.0.6:514', protocol: 'udp' },
  ]);
  t.same(parseJournalUploadConf('[Upload]\nURL=https://logs.chu.local:19532\n'), { daemon: 'systemd-journal-upload', target: 'https://logs.chu.local:19532', protocol: 'https' });
});

t.test('apt: simulated upgrade lines, security origin, index date, last install', async (t) => {
  const pending = parseAptSimulate(
    'Reading package lists...\nInst zstd [1.5.4+dfsg2-5] (1.5.4+dfsg2-5+deb12u1 Debian-Security:12/oldstable-security [amd64])\nInst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.15/oldstable [all])\nConf zstd (1.5.4+dfsg2-5+deb12u1 Debian-Security:12/oldstable-security [amd64])\n',
  );
  t.same(pending, [{ package: 'zstd', version: '1.5.4+dfsg2-5+deb12u1', security: true }, { package: 'tzdata', version: '2025b-0+deb12u1', security: false }]);
  t.equal(parseReleaseDate('Origin: Debian\nDate: Sat, 05 Dec 2026 03:33:28 UTC\n')?.toISOString(), '2026-12-05T03:33:28.000Z');
  t.ok(parseAptHistoryLastInstall('\nStart-Date: 2026-11-02  10:00:00\nCommandline: apt upgrade\nUpgrade: zstd:amd64 (1, 2)\nEnd-Date: 2026-11-02  10:00:05\n\nStart-Date: 2026-11-03  10:00:00\nRemove: foo:amd64 (1)\n'));
});

t.test('lsblk: a LUKS root is seen through its crypt mapping; a plain disk is not encrypted', async (t) => {
  const devices = parseLsblk(
    JSON.stringify({
      blockdevices: [
        { name: 'nvme0n1', type: 'disk', fstype: null, mountpoint: null, children: [
          { name: 'nvme0n1p1', type: 'part', fstype: 'vfat', mountpoint: '/boot/efi' },
          { name: 'nvme0n1p3', type: 'part', fstype: 'crypto_LUKS', mountpoint: null, children: [{ name: 'nvme0n1p3_crypt', type: 'crypt', fstype: 'ext4', mountpoint: '/' }] },
        ] },
        { name: 'sdb', type: 'disk', fstype: 'ext4', mountpoint: '/srv/data' },
      ],
    }),
  );
  t.same(mountedVolumes(devices), [{ mount: '/', crypt: 'nvme0n1p3_crypt', luks: true }, { mount: '/srv/data', crypt: null, luks: false }]);
  t.same(parseCryptsetupStatus('/dev/mapper/root is active and is in use.\n  type:    LUKS2\n  cipher:  aes-xts-plain64\n  keysize: 512 bits\n'), { active: true, type: 'LUKS2', cipher: 'aes-xts-plain64', key_bits: 512 });
  t.throws(() => parseLsblk('{"blockdevices": ['), /not JSON/);
});

t.test('os-release: product and major version; Ubuntu keeps YY.MM', async (t) => {
  t.same(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'), { product: 'debian', version: '12', pretty: 'Debian GNU/Linux 12 (bookworm)' });
  t.equal(parseOsRelease('ID=ubuntu\nVERSION_ID="22.04"\n').version, '22.04');
  t.equal(parseOsRelease('ID="rocky"\nVERSION_ID="9.4"\n').version, '9');
  t.throws(() => parseOsRelease('ID=debian\n'), /no VERSION_ID/);
});
