// A simulated GHT fleet for the demo: three hospitals of one territory, with the mix of
// machines an RSSI actually has (clinical workstations and a few laptops, admin workstations,
// vendor telemaintenance gateways in front of MRI/CT, servers, a backup server per site), each
// reporting every section a fully deployed Vigie agent of its platform reports.
//
// Most hosts are well kept; the flaws are the usual ones, placed on purpose: VNC or TeamViewer
// left on a few workstations, a gateway with single-factor sshd open on every interface, a
// stale server backup and a stale offline copy, Wi-Fi up on a gateway, an open Wi-Fi profile
// saved on a laptop, a vendor account left enabled past its window, SMBv1 on an old PACS,
// a reception kiosk with password-only logon, a gateway whose log forwarding stalled.
// A few sections are honestly `unavailable` (a borg repository whose passphrase is wrong, the
// offline copies a domain controller's wbadmin cannot see) and one lab server has stopped
// reporting (its evidence is stale).
//
// What only a site can declare (admin addresses, reviewed listeners, resolvers, SSIDs, vendor
// IPs, approved windows, the devices' flow matrix, the production AD forest...) is in the demo's
// site overlays (server/demo/overlays/<site>.yaml), which the demo copies into its data dir:
// without them those rules would say unknown, warn or fail for want of a declaration.
//
// Internet traffic goes through the GHT proxy (internal), updates through internal relays
// (WSUS, a Debian/RHEL mirror): the shipped packs carry no egress allowlist, so a direct vendor
// flow would fail NET-01. The backup servers' copy to the HDS object storage is external, but
// no flow rule applies to that role.
//
// Deterministic: the same seed (and `now`) gives the same reports, report ids included.
// No secret anywhere: names of accounts, keys' types, never a key, password or hash.
import { createHash } from 'node:crypto';
import {
  SCHEMA_VERSION,
  type BackupEvidence,
  type BackupSource,
  type HostIdentity,
  type HostRole,
  type Listener,
  type LocalAdmins,
  type MfaEvidence,
  type NetworkEvidence,
  type OutboundFlow,
  type PamEntry,
  type PamEvidence,
  type RemoteEntryPoint,
  type Report,
  type SshdEvidence,
  type SshdSettings,
  type TelemaintenanceEvidence,
  type WifiEvidence,
  type WifiProfile,
} from '../../policies/evidence.js';

export interface SimulatedSite {
  id: string;
  name: string;
  /** First two octets of the site's LAN, e.g. "10.10". */
  lan: string;
  /** The admin network of the site (sshd should listen only there). */
  adminNet: string;
}

export const DEMO_SITES: readonly SimulatedSite[] = [
  { id: 'chi-vallee', name: 'CHI de la Vallée (établissement support)', lan: '10.10', adminNet: '10.10.250' },
  { id: 'ch-plateau', name: 'CH du Plateau', lan: '10.20', adminNet: '10.20.250' },
  { id: 'ch-riviere', name: 'CH de la Rivière', lan: '10.30', adminNet: '10.30.250' },
];

export interface SimulatedHost {
  identity: Omit<HostIdentity, 'host_id'>;
  /** Builds the report once the server has assigned a host id. */
  report(hostId: string, now: Date): Report;
}

/** Small deterministic PRNG (mulberry32): no dependency needed for a demo's dice. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (date: Date): string => date.toISOString();
const ago = (now: Date, ms: number): string => iso(new Date(now.getTime() - ms));

/** A report id that is a well-formed UUID, stable for (seed, host, time): reproducible runs. */
function reportId(seed: number, hostname: string, collectedAt: string): string {
  const hex = createHash('sha256').update(`${seed}|${hostname}|${collectedAt}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---------------------------------------------------------------- platforms and shared infrastructure

const WINDOWS_11 = { platform: 'windows' as const, distro: 'Microsoft Windows 11 Entreprise', release: '10.0.22631', arch: 'x64' };
const WINDOWS_2022 = { platform: 'windows' as const, distro: 'Microsoft Windows Server 2022 Standard', release: '10.0.20348', arch: 'x64' };
const WINDOWS_2012R2 = { platform: 'windows' as const, distro: 'Microsoft Windows Server 2012 R2 Standard', release: '6.3.9600', arch: 'x64' };
const DEBIAN_12 = { platform: 'linux' as const, distro: 'Debian GNU/Linux 12 (bookworm)', release: '12', arch: 'x64' };
const RHEL_9 = { platform: 'linux' as const, distro: 'Red Hat Enterprise Linux 9.4', release: '9.4', arch: 'x64' };

/** GHT-wide services, hosted by the support establishment (chi-vallee). */
const GHT = {
  domain: 'ght-vallee.local',
  netbios: 'GHT-VALLEE',
  proxy: { address: '10.10.1.30', fqdn: 'proxy.ght-vallee.local', url: 'http://proxy.ght-vallee.local:3128' },
  wsus: { address: '10.10.1.40', fqdn: 'wsus.ght-vallee.local' },
  syslog: { address: '10.10.1.50', fqdn: 'syslog.ght-vallee.local' },
  mirror: { address: '10.10.1.60', fqdn: 'miroir.ght-vallee.local' },
  hdsObjectStorage: { address: '185.24.140.17', fqdn: 's3.hds-hebergeur.fr' },
} as const;

/** Addresses of one site's services. */
function siteAddresses(site: SimulatedSite) {
  return {
    dc: [`${site.lan}.1.10`, `${site.lan}.1.11`],
    dpi: `${site.lan}.20.10`,
    pacs: `${site.lan}.20.20`,
    backup: `${site.lan}.30.10`,
    print: `${site.lan}.1.80`,
  };
}

const listener = (address: string, port: number, process: string, pid: number, protocol: 'tcp' | 'udp' = 'tcp'): Listener => ({
  protocol,
  address,
  port,
  process,
  pid,
});

interface FlowSpec {
  address: string;
  port: number;
  process: string;
  fqdn?: string | null;
  protocol?: 'tcp' | 'udp';
  /** Hours before the window end of the first and last sighting. */
  firstH?: number;
  lastH?: number;
}

/** An observation window of exactly 24 h ending at `now` (NET-01 and friends need >= 24 h). */
function outbound(now: Date, specs: FlowSpec[]): NetworkEvidence['outbound'] {
  return {
    method: 'socket table sampled every 60 s over a rolling 24 h window',
    window_start: ago(now, 24 * HOUR),
    window_end: iso(now),
    samples: 1440,
    flows: specs.map(
      (f, i): OutboundFlow => ({
        protocol: f.protocol ?? 'tcp',
        remote_address: f.address,
        remote_port: f.port,
        remote_fqdn: f.fqdn ?? null,
        process: f.process,
        pid: 2000 + i * 37,
        first_seen: ago(now, (f.firstH ?? 23.5) * HOUR),
        last_seen: ago(now, (f.lastH ?? 0.2) * HOUR),
      }),
    ),
  };
}

const NO_PROBES = { unavailable: 'no egress probe target configured for this role on the server yet' };

function dnsFlows(site: SimulatedSite, process: string): FlowSpec[] {
  return siteAddresses(site).dc.map((address) => ({ address, port: 53, process, protocol: 'udp' as const }));
}

// ---------------------------------------------------------------- Windows sections

function windowsFirewall(logsBlocked: boolean): NetworkEvidence['firewall'] {
  return {
    source: 'Get-NetFirewallProfile',
    profiles: ['Domain', 'Private', 'Public'].map((name) => ({
      name,
      active: name === 'Domain',
      enabled: true,
      default_inbound: 'block' as const,
      logs_blocked: name === 'Domain' ? logsBlocked : true,
    })),
  };
}

const windowsSmb1 = (serverEnabled: boolean): NetworkEvidence['smb1'] => ({
  source: 'Get-SmbServerConfiguration (EnableSMB1Protocol) + Get-WindowsOptionalFeature SMB1Protocol-Client',
  server_enabled: serverEnabled,
  client_enabled: serverEnabled,
});

const windowsProxyPolicy = (): NetworkEvidence['proxy_policy'] => ({
  source: 'WinHTTP + Internet Settings (HKLM\\Software\\Policies, GPO)',
  system_proxy: `${GHT.proxy.fqdn}:3128`,
  pac_url: null,
  enforced_by_policy: true,
});

function windowsNetwork(site: SimulatedSite, now: Date, extraListeners: Listener[], flows: FlowSpec[], opts: { smb1?: boolean; logsBlocked?: boolean; firefoxWithoutPolicy?: boolean } = {}): NetworkEvidence {
  const browsers: { browser: string; policy_mode: 'off' | null }[] = [
    { browser: 'edge', policy_mode: 'off' },
    { browser: 'chrome', policy_mode: 'off' },
  ];
  if (opts.firefoxWithoutPolicy) browsers.push({ browser: 'firefox', policy_mode: null });
  return {
    listeners: [
      listener('0.0.0.0', 135, 'svchost.exe', 1084),
      listener('0.0.0.0', 445, 'System', 4),
      listener('0.0.0.0', 49664, 'lsass.exe', 812),
      listener('0.0.0.0', 49665, 'wininit.exe', 664),
      ...extraListeners,
      listener('127.0.0.1', 9100, 'vigie-agent.exe', 5012),
    ],
    outbound: outbound(now, [...dnsFlows(site, 'svchost.exe'), ...flows]),
    egress_probes: NO_PROBES,
    proxy_dns: { env_proxy: { http: null, https: null, no_proxy: null }, resolvers: siteAddresses(site).dc, dns_over_tls: false },
    proxy_policy: windowsProxyPolicy(),
    browser_doh: browsers,
    firewall: windowsFirewall(opts.logsBlocked ?? true),
    smb1: windowsSmb1(opts.smb1 ?? false),
  };
}

/** Workstation traffic inside the GHT: domain controller, proxy, DPI, WSUS, print server. */
function workstationFlows(site: SimulatedSite, service: string): FlowSpec[] {
  const a = siteAddresses(site);
  const flows: FlowSpec[] = [
    { address: a.dc[0] ?? '', port: 88, process: 'lsass.exe', fqdn: `dc1.${GHT.domain}` },
    { address: a.dc[0] ?? '', port: 389, process: 'svchost.exe', fqdn: `dc1.${GHT.domain}` },
    { address: a.dc[0] ?? '', port: 445, process: 'System', fqdn: `dc1.${GHT.domain}` },
    { address: GHT.proxy.address, port: 3128, process: 'msedge.exe', fqdn: GHT.proxy.fqdn },
    { address: a.dpi, port: 443, process: 'dpi-client.exe', fqdn: `dpi.${site.id}.${GHT.domain}` },
    { address: GHT.wsus.address, port: 8530, process: 'svchost.exe', fqdn: GHT.wsus.fqdn, firstH: 20, lastH: 8 },
    { address: a.print, port: 9100, process: 'spoolsv.exe', fqdn: `impr.${site.id}.${GHT.domain}`, firstH: 9, lastH: 2 },
  ];
  if (service === 'radio') flows.push({ address: a.pacs, port: 104, process: 'viewer.exe', fqdn: `pacs.${site.id}.${GHT.domain}` });
  return flows;
}

function windowsNoWifi(): WifiEvidence {
  return {
    source: 'netsh wlan show interfaces + Get-NetAdapter',
    hardware_present: false,
    interfaces: [],
    profiles: { unavailable: 'netsh wlan show profiles: the WLAN AutoConfig service (wlansvc) is not running (no wireless adapter)' },
    visible_networks: { unavailable: 'no wireless adapter' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    hotspot: { hotspot_active: false, ap_daemon_running: null },
    wired_interfaces: [{ name: 'Ethernet', oper_state: 'up' }],
    connection_sharing: { enabled: false },
  };
}

const ENTERPRISE_SSID = 'GHT-VALLEE-PRO';

function enterpriseProfile(method: 'tls' | 'peap'): WifiProfile {
  return {
    ssid: ENTERPRISE_SSID,
    key_management: 'WPA2-Enterprise',
    cipher: 'CCMP',
    autoconnect: true,
    mode: 'managed',
    eap:
      method === 'tls'
        ? { methods: ['tls'], phase2: null, ca_configured: true, system_ca: false, server_name: `radius.${GHT.domain}` }
        : { methods: ['peap'], phase2: 'mschapv2', ca_configured: true, system_ca: false, server_name: `radius.${GHT.domain}` },
  };
}

/** A docked laptop: Wi-Fi radio turned off by policy while the wired link is up. */
function laptopWifi(opts: { method: 'tls' | 'peap'; openProfile: boolean }): WifiEvidence {
  const profiles: WifiProfile[] = [enterpriseProfile(opts.method)];
  if (opts.openProfile) {
    profiles.push({ ssid: 'WIFI-GARE-GRATUIT', key_management: 'open', cipher: null, autoconnect: true, mode: 'managed', eap: null });
  }
  return {
    source: 'netsh wlan show interfaces / profiles + Get-NetAdapter',
    hardware_present: true,
    interfaces: [
      { name: 'Wi-Fi', driver: 'Intel(R) Wi-Fi 6 AX201 160MHz', radio: 'off', oper_state: 'down', mode: 'managed', connection: null },
    ],
    profiles,
    visible_networks: { unavailable: 'radio off: no scan results' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    hotspot: { hotspot_active: false, ap_daemon_running: null },
    wired_interfaces: [{ name: 'Ethernet', oper_state: 'up' }],
    connection_sharing: { enabled: false },
  };
}

type LogonKind = 'whfb' | 'cps' | 'password';

function windowsLogon(now: Date, kind: LogonKind, admin: boolean): Pick<MfaEvidence, 'windows_logon' | 'windows_logon_policy'> {
  const whfb = kind === 'whfb';
  return {
    windows_logon: { azure_ad_joined: false, domain_joined: true, domain_name: GHT.netbios, ngc_set: whfb, whfb_policy_enabled: whfb },
    windows_logon_policy: {
      passport_for_work_enabled: whfb,
      require_security_device: whfb,
      scforceoption: kind === 'cps',
      logons: {
        since: ago(now, 30 * DAY),
        password: kind === 'password' ? 212 : 0,
        whfb: whfb ? (admin ? 41 : 187) : 0,
        smartcard: kind === 'cps' ? 158 : 0,
        fido2: 0,
      },
    },
  };
}

const windowsLockout = (): MfaEvidence['lockout'] => ({ threshold: 5, duration_minutes: 15, observation_window_minutes: 15, source: 'net accounts' });

function windowsLocalAdmins(now: Date, dailyUserIsAdmin: boolean): LocalAdmins {
  return {
    members: [
      { name: 'Administrateur', kind: 'user', last_interactive_logon_at: null },
      { name: `${GHT.netbios}\\GG-Admins-Postes`, kind: 'group', last_interactive_logon_at: null },
      ...(dailyUserIsAdmin ? [{ name: `${GHT.netbios}\\labo-poste`, kind: 'user' as const, last_interactive_logon_at: ago(now, 3 * HOUR) }] : []),
    ],
    builtin_admin: { name: 'Administrateur', enabled: true, laps_managed: true, last_interactive_logon_at: null },
    daily_user_is_admin: dailyUserIsAdmin,
    logon_history_since: ago(now, 90 * DAY),
  };
}

// ---------------------------------------------------------------- Linux sections

function linuxFirewall(logsBlocked: boolean): NetworkEvidence['firewall'] {
  return {
    source: 'nft -j list ruleset',
    profiles: [{ name: 'nftables inet filter input', active: true, enabled: true, default_inbound: 'block', logs_blocked: logsBlocked }],
  };
}

const linuxSmb1 = (): NetworkEvidence['smb1'] => ({
  source: 'no Samba server installed (testparm absent); no cifs mount with vers=1.0 in /proc/mounts',
  server_enabled: false,
  client_enabled: false,
});

/** Proxy in root-owned /etc/environment and package manager config: users cannot change it. */
const linuxProxyPolicy = (): NetworkEvidence['proxy_policy'] => ({
  source: '/etc/environment + package manager proxy (root-owned, deployed by configuration management)',
  system_proxy: GHT.proxy.url,
  pac_url: null,
  enforced_by_policy: true,
});

function linuxNetwork(site: SimulatedSite, now: Date, listeners: Listener[], flows: FlowSpec[], opts: { logsBlocked?: boolean } = {}): NetworkEvidence {
  return {
    listeners: [...listeners, listener('127.0.0.1', 25, 'exim4', 1030), listener('127.0.0.53', 53, 'systemd-resolved', 402, 'udp')],
    outbound: outbound(now, [
      ...dnsFlows(site, 'systemd-resolved'),
      { address: siteAddresses(site).dc[0] ?? '', port: 123, process: 'chronyd', protocol: 'udp' },
      { address: GHT.syslog.address, port: 6514, process: 'rsyslogd', fqdn: GHT.syslog.fqdn },
      { address: GHT.mirror.address, port: 443, process: 'apt', fqdn: GHT.mirror.fqdn, firstH: 18, lastH: 17 },
      ...flows,
    ]),
    egress_probes: NO_PROBES,
    proxy_dns: {
      env_proxy: { http: GHT.proxy.url, https: GHT.proxy.url, no_proxy: `.${GHT.domain},10.0.0.0/8` },
      resolvers: ['127.0.0.53'],
      dns_over_tls: false,
    },
    proxy_policy: linuxProxyPolicy(),
    browser_doh: [],
    firewall: linuxFirewall(opts.logsBlocked ?? true),
    smb1: linuxSmb1(),
  };
}

function linuxNoWifi(): WifiEvidence {
  return {
    source: 'sysfs /sys/class/ieee80211 + iw dev',
    hardware_present: false,
    interfaces: [],
    profiles: { unavailable: 'nmcli not found: NetworkManager is not installed on this host' },
    visible_networks: { unavailable: 'nmcli not found: NetworkManager is not installed on this host' },
    ip_forwarding: { ipv4: false, ipv6: false },
    bridges: [],
    hotspot: { hotspot_active: null, ap_daemon_running: false },
    wired_interfaces: [{ name: 'ens192', oper_state: 'up' }],
  };
}

const hardenedSshd = (adminAddress: string): SshdSettings => ({
  authenticationmethods: 'publickey,keyboard-interactive:pam',
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'yes',
  usepam: 'yes',
  permitrootlogin: 'no',
  permitemptypasswords: 'no',
  pubkeyauthoptions: 'none',
  allowusers: [],
  allowgroups: ['adm-ssh'],
  x11forwarding: 'no',
  allowtcpforwarding: 'no',
  listenaddress: [`${adminAddress}:22`],
  pubkeyacceptedalgorithms: 'sk-ssh-ed25519@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256',
});

/** A vendor-installed box nobody hardened: keys alone, on every interface. */
const singleFactorSshd = (adminAddress: string): SshdSettings => ({
  ...hardenedSshd(adminAddress),
  authenticationmethods: 'publickey',
  kbdinteractiveauthentication: 'no',
  listenaddress: ['0.0.0.0:22'],
});

const ADMINS = ['adm-dsi-01', 'adm-dsi-02', 'adm-biomed-01'];

function sshdEvidence(settings: SshdSettings): SshdEvidence {
  return {
    installed: true,
    settings,
    per_user: ADMINS.map((user) => ({ user, settings })),
    authorized_keys: ADMINS.map((user, i) => ({
      user,
      keys: [i === 0 ? { type: 'sk-ssh-ed25519@openssh.com', verify_required: true, no_touch_required: false } : { type: 'ssh-ed25519', verify_required: false, no_touch_required: false }],
    })),
  };
}

const pam = (type: PamEntry['type'], control: string, module: string, args: string[], source: string, via: PamEntry['via'] = 'direct', ifPresent = false): PamEntry => ({
  type,
  control,
  module,
  arguments: args,
  if_present: ifPresent,
  source,
  via,
});

/** Debian common-auth after the include is resolved. */
const commonAuth = (): PamEntry[] => [
  pam('auth', '[success=1 default=ignore]', 'pam_unix.so', ['nullok'], 'common-auth', 'include'),
  pam('auth', 'requisite', 'pam_deny.so', [], 'common-auth', 'include'),
  pam('auth', 'required', 'pam_permit.so', [], 'common-auth', 'include'),
];
const commonAccount = (): PamEntry[] => [pam('account', 'required', 'pam_unix.so', [], 'common-account', 'include')];
const faillock = (): PamEntry[] => [
  pam('auth', 'required', 'pam_faillock.so', ['preauth'], 'common-auth', 'include'),
];

/** sshd (TOTP via keyboard-interactive), sudo (U2F key), login and gdm (CPS card when `cpsLogon`). */
function linuxPam(opts: { secondFactor: boolean; cpsLogon?: boolean }): PamEvidence {
  const sshdAuth = opts.secondFactor
    ? [...faillock(), pam('auth', 'required', 'pam_oath.so', ['usersfile=/etc/users.oath', 'window=20', 'digits=6'], 'sshd')]
    : [...faillock(), ...commonAuth()];
  const logon = (service: string): PamEntry[] =>
    opts.cpsLogon
      ? [...faillock(), pam('auth', 'required', 'pam_pkcs11.so', ['wait_for_card'], service), ...commonAccount()]
      : [...faillock(), ...commonAuth(), ...commonAccount()];
  const services: PamEvidence['services'] = [
    { service: 'sshd', entries: [...sshdAuth, ...commonAccount(), pam('session', 'required', 'pam_loginuid.so', [], 'sshd')] },
    {
      service: 'sudo',
      entries: opts.secondFactor
        ? [...commonAuth(), pam('auth', 'required', 'pam_u2f.so', ['cue', 'authfile=/etc/security/u2f_mappings'], 'sudo'), ...commonAccount()]
        : [...commonAuth(), ...commonAccount()],
    },
    { service: 'login', entries: logon('login') },
  ];
  if (opts.cpsLogon) services.push({ service: 'gdm-password', entries: logon('gdm-password') });
  return { services };
}

function linuxMfa(now: Date, sshd: SshdSettings, opts: { secondFactor: boolean; cpsLogon?: boolean; remote: RemoteEntryPoint[] }): MfaEvidence {
  return {
    sshd: sshdEvidence(sshd),
    pam: linuxPam(opts),
    enrolment: { group: 'adm-ssh', members: ADMINS.map((user) => ({ user, enrolled: opts.secondFactor, method: opts.secondFactor ? 'totp + u2f' : null })) },
    remote_access: opts.remote,
    second_factors: opts.secondFactor
      ? [
          { population: 'admins', context: 'pam_oath (sshd) + pam_u2f (sudo)', factors: ['totp', 'u2f'] },
          { population: 'third-parties', context: 'one-time password per intervention', factors: ['totp'] },
        ]
      : [],
    local_admins: {
      members: ADMINS.map((name, i) => ({ name, kind: 'user' as const, last_interactive_logon_at: ago(now, (i + 1) * 26 * HOUR) })),
      builtin_admin: { name: 'root', enabled: false, laps_managed: false, last_interactive_logon_at: null },
      daily_user_is_admin: null,
      logon_history_since: ago(now, 90 * DAY),
    },
    lockout: { threshold: 3, duration_minutes: 10, observation_window_minutes: 15, source: 'pam_faillock (/etc/security/faillock.conf)' },
  };
}

const adminSsh = (): RemoteEntryPoint[] => [
  { kind: 'ssh', name: 'sshd (ListenAddress on the admin network)', exposure: 'admin-network', factors: ['publickey', 'totp'] },
];

// ---------------------------------------------------------------- backups

function restic(now: Date, target: string, ageH: number, snapshots = 60): BackupSource {
  return { tool: 'restic', target, last_success_at: ago(now, ageH * HOUR), snapshot_count: snapshots };
}

// ---------------------------------------------------------------- host specs

interface HostSpec {
  site: SimulatedSite;
  role: HostRole;
  hostname: string;
  os: HostIdentity['os'];
  build: (now: Date) => Pick<Report, 'network' | 'wifi' | 'backups' | 'mfa' | 'telemaintenance'>;
  /** How old the report is when sent (a silent host gives stale evidence). */
  reportAgeMs?: number;
}

const SERVICES = ['urg', 'rea', 'mater', 'radio', 'bloc', 'cardio', 'pharma', 'accueil', 'labo', 'pedia', 'onco', 'psy'];

function workstations(site: SimulatedSite, index: number, random: () => number, prefix: string): HostSpec[] {
  const count = [12, 8, 5][index] ?? 5;
  // Laptops (docked, radio off by policy): two at the support site, one elsewhere.
  const laptops = new Set(index === 0 ? [2, 9] : [3]);
  const specs: HostSpec[] = [];
  for (let n = 1; n <= count; n++) {
    const service = SERVICES[(n - 1) % SERVICES.length] ?? 'urg';
    const hostname = `${prefix}-pc-${service}-${String(n).padStart(3, '0')}`;
    // Placed, not rolled: the demo always shows them. A forgotten TightVNC on three imaging or
    // ward PCs, a vendor's TeamViewer left installed (and phoning its relay) on one.
    const vnc = (index === 0 && (n === 4 || n === 7)) || (index === 1 && n === 4);
    const teamviewer = index === 0 && n === 11;
    const laptop = laptops.has(n);
    const logon: LogonKind = service === 'accueil' && index !== 2 ? 'password' : random() < 0.4 ? 'cps' : 'whfb';
    specs.push({
      site,
      role: 'workstation',
      hostname,
      os: WINDOWS_11,
      build: (now) => ({
        network: windowsNetwork(
          site,
          now,
          [
            ...(vnc ? [listener('0.0.0.0', 5900, 'tvnserver.exe', 3120)] : []),
            ...(teamviewer ? [listener('0.0.0.0', 5938, 'TeamViewer_Service.exe', 2870)] : []),
          ],
          [
            ...workstationFlows(site, service),
            ...(teamviewer ? [{ address: '188.172.219.136', port: 5938, process: 'TeamViewer_Service.exe', fqdn: 'router12.teamviewer.com' }] : []),
          ],
          { logsBlocked: n % 7 !== 0, firefoxWithoutPolicy: service === 'pharma' && index === 0 },
        ),
        wifi: laptop ? laptopWifi({ method: index === 1 ? 'peap' : 'tls', openProfile: index === 0 && n === 9 }) : windowsNoWifi(),
        backups: { sources: [] },
        mfa: {
          sshd: { installed: false, settings: null },
          ...windowsLogon(now, logon, false),
          lockout: windowsLockout(),
          local_admins: windowsLocalAdmins(now, service === 'labo' && index === 0),
        },
      }),
    });
  }
  return specs;
}

function adminWorkstations(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const count = index === 2 ? 1 : 2;
  const specs: HostSpec[] = [];
  for (let n = 1; n <= count; n++) {
    const address = `${site.adminNet}.${10 + n}`;
    const adminFlows: FlowSpec[] = [
      { address: `${site.adminNet}.1`, port: 22, process: n === 1 ? 'putty.exe' : 'ssh', fqdn: `bastion.${site.id}.${GHT.domain}` },
      { address: GHT.syslog.address, port: 443, process: n === 1 ? 'msedge.exe' : 'firefox-esr', fqdn: GHT.syslog.fqdn },
    ];
    if (n === 1) {
      specs.push({
        site,
        role: 'admin-workstation',
        hostname: `${prefix}-padm-${String(n).padStart(2, '0')}`,
        os: WINDOWS_11,
        build: (now) => ({
          network: windowsNetwork(site, now, [], adminFlows),
          wifi: windowsNoWifi(),
          backups: { sources: [] },
          mfa: {
            sshd: { installed: false, settings: null },
            ...windowsLogon(now, index === 0 ? 'cps' : 'whfb', true),
            lockout: windowsLockout(),
            local_admins: windowsLocalAdmins(now, false),
          },
        }),
      });
    } else {
      specs.push({
        site,
        role: 'admin-workstation',
        hostname: `${prefix}-padm-${String(n).padStart(2, '0')}`,
        os: DEBIAN_12,
        build: (now) => {
          const network = linuxNetwork(site, now, [listener(address, 22, 'sshd', 880)], adminFlows);
          // Admin workstations get their proxy setting from a locked dconf key (GNOME).
          network.proxy_policy = { source: 'dconf org.gnome.system.proxy (locked key)', system_proxy: `${GHT.proxy.fqdn}:3128`, pac_url: null, enforced_by_policy: true };
          network.browser_doh = [{ browser: 'firefox', policy_mode: 'off' }];
          return {
            network,
            wifi: linuxNoWifi(),
            backups: { sources: [] },
            mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, cpsLogon: true, remote: adminSsh() }),
          };
        },
      });
    }
  }
  return specs;
}

interface GatewayPlan {
  device: string;
  vendor: string;
  account: string;
  /** sshd keys-only on every interface, no PAM second factor, SSH open to any source. */
  weak: boolean;
  /** Wi-Fi radio up, associated to a guest WPA2-PSK network. */
  wifiOn: boolean;
  /** The vendor account was enabled 9 days ago and never disabled. */
  accountLeftEnabled: boolean;
  /** rsyslog forwarding stalled 3 days ago. */
  forwardingStalled: boolean;
  tunnel: 'tls' | 'ipsec-psk';
}

const GATEWAY_PLANS: readonly (readonly GatewayPlan[])[] = [
  [
    { device: 'irm', vendor: 'siemens', account: 'srs-irm', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
    { device: 'scanner', vendor: 'ge', account: 'insite-scanner', weak: true, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
    { device: 'tep', vendor: 'philips', account: 'rsn-tep', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: true, tunnel: 'tls' },
  ],
  [
    { device: 'irm', vendor: 'ge', account: 'insite-irm', weak: false, wifiOn: false, accountLeftEnabled: true, forwardingStalled: false, tunnel: 'tls' },
    { device: 'scanner', vendor: 'canon', account: 'canon-scanner', weak: false, wifiOn: true, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'tls' },
  ],
  [{ device: 'scanner', vendor: 'siemens', account: 'srs-scanner', weak: false, wifiOn: false, accountLeftEnabled: false, forwardingStalled: false, tunnel: 'ipsec-psk' }],
];

function telemaintenance(site: SimulatedSite, now: Date, plan: GatewayPlan, deviceAddress: string, lastInterventionDays: number): TelemaintenanceEvidence {
  const tunnelNet = '172.31.200.';
  const start = now.getTime() - lastInterventionDays * DAY;
  const at = (ms: number) => iso(new Date(ms));
  const sessionId = `${plan.vendor}-${site.id}-${plan.device}-${Math.round(lastInterventionDays)}`;
  return {
    inbound: {
      window_start: ago(now, 24 * HOUR),
      window_end: iso(now),
      connections: [{ protocol: 'tcp', source_address: `${site.adminNet}.12`, local_port: 22, first_seen: ago(now, 6 * HOUR), last_seen: ago(now, 5.5 * HOUR) }],
    },
    ingress_rules: [
      plan.weak
        ? { source: 'any', port: 22, protocol: 'tcp', description: 'SSH (rule left by the installer)' }
        : { source: `${site.adminNet}.0/24`, port: 22, protocol: 'tcp', description: 'SSH from the admin network' },
      { source: `${tunnelNet}0/29`, port: 22, protocol: 'tcp', description: `${plan.vendor} engineers through the tunnel` },
    ],
    vendor_accounts: [
      plan.accountLeftEnabled
        ? { account: plan.account, enabled: true, enabled_at: ago(now, 9 * DAY), disabled_at: null }
        : { account: plan.account, enabled: false, enabled_at: at(start), disabled_at: at(start + 3 * HOUR) },
    ],
    tunnels: [
      {
        name: `${plan.vendor}-${plan.device}`,
        type: plan.tunnel === 'tls' ? 'tls-vpn' : 'ipsec-ikev2',
        authentication: plan.tunnel === 'tls' ? 'certificate' : 'psk',
        tls_version: plan.tunnel === 'tls' ? '1.3' : null,
        ciphers: plan.tunnel === 'tls' ? ['TLS_AES_256_GCM_SHA384'] : ['aes256gcm16-prfsha384-ecp384'],
        state: 'down',
        events: [
          { at: at(start - 10 * MINUTE), event: 'up' },
          { at: at(start + 3 * HOUR), event: 'down' },
        ],
      },
    ],
    device_accounts: [
      { device: `${plan.device.toUpperCase()} ${site.id}`, account: plan.account, auth: 'one-time-password', otp_validity_hours: 8, credential_reused: false },
    ],
    log_forwarding: {
      target: `${GHT.syslog.fqdn}:6514 (rsyslog, TLS)`,
      last_shipped_at: plan.forwardingStalled ? ago(now, 3 * DAY + 4 * HOUR) : ago(now, 2 * MINUTE),
    },
    sessions: [
      {
        session_id: sessionId,
        account: plan.account,
        source_address: `${tunnelNet}2`,
        device: `${plan.device.toUpperCase()} (${deviceAddress})`,
        started_at: at(start),
        ended_at: at(start + 2.5 * HOUR),
        actions_recorded: true,
        report_id: `INT-${sessionId}`,
      },
    ],
  };
}

function gateways(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const plans = GATEWAY_PLANS[index] ?? [];
  return plans.map((plan, n) => {
    const address = `${site.adminNet}.${40 + n}`;
    const deviceAddress = `${site.lan}.60.${11 + n}`;
    const lastInterventionDays = 11 + n * 6 + index * 2;
    return {
      site,
      role: 'telemaintenance-gateway' as const,
      hostname: `${prefix}-tmg-${plan.device}-01`,
      os: DEBIAN_12,
      build: (now) => {
        const listeners = [plan.weak ? listener('0.0.0.0', 22, 'sshd', 712) : listener(address, 22, 'sshd', 712)];
        // strongSwan's charon listens for IKE even when the gateway initiates the tunnel.
        if (plan.tunnel === 'ipsec-psk') listeners.push(listener('0.0.0.0', 500, 'charon', 990, 'udp'), listener('0.0.0.0', 4500, 'charon', 990, 'udp'));
        const wifi: WifiEvidence = plan.wifiOn
          ? {
              source: 'sysfs /sys/class/ieee80211 + iw dev + nmcli',
              hardware_present: true,
              interfaces: [
                { name: 'wlp2s0', driver: 'iwlwifi', radio: 'on', oper_state: 'up', mode: 'managed', connection: { ssid: 'Box-Invites', key_management: 'wpa-psk', cipher: 'CCMP' } },
              ],
              profiles: [{ ssid: 'Box-Invites', key_management: 'wpa-psk', cipher: null, autoconnect: true, proto: 'rsn', mode: 'managed', eap: null }],
              visible_networks: [
                { ssid: 'Box-Invites', security: 'WPA2', in_use: true },
                { ssid: ENTERPRISE_SSID, security: 'WPA2 802.1X', in_use: false },
              ],
              ip_forwarding: { ipv4: false, ipv6: false },
              bridges: [],
              hotspot: { hotspot_active: false, ap_daemon_running: false },
              wired_interfaces: [{ name: 'enp1s0', oper_state: 'up' }],
            }
          : linuxNoWifi();
        return {
          network: linuxNetwork(site, now, listeners, []),
          wifi,
          backups: { sources: [restic(now, `rest:https://bkp.${site.id}.${GHT.domain}:8000/tmg-${plan.device}`, 5 + n * 7 + index * 4, 30)] },
          mfa: linuxMfa(now, plan.weak ? singleFactorSshd(address) : hardenedSshd(address), {
            secondFactor: !plan.weak,
            remote: plan.weak
              ? [{ kind: 'ssh', name: 'sshd 0.0.0.0:22 (reachable through the vendor tunnel)', exposure: 'partner', factors: ['publickey'] }]
              : [{ kind: 'vendor-portal', name: `${plan.vendor} remote session through the tunnel`, exposure: 'partner', factors: ['client-certificate', 'password', 'totp'] }],
          }),
          telemaintenance: telemaintenance(site, now, plan, deviceAddress, lastInterventionDays),
        };
      },
    };
  });
}

interface ServerPlan {
  name: string;
  os: HostIdentity['os'];
  /** Hours since the last successful backup. */
  backupAgeH: number;
  stale?: boolean;
}

const SERVER_PLANS: readonly (readonly ServerPlan[])[] = [
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 6 },
    { name: 'pacs', os: RHEL_9, backupAgeH: 4 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 5 },
    { name: 'labo', os: RHEL_9, backupAgeH: 7, stale: true },
  ],
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 30 },
    { name: 'pacs', os: WINDOWS_2012R2, backupAgeH: 9 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 3 },
  ],
  [
    { name: 'dpi', os: RHEL_9, backupAgeH: 212 },
    { name: 'ad', os: WINDOWS_2022, backupAgeH: 20 },
  ],
];

function servers(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const plans = SERVER_PLANS[index] ?? [];
  const a = siteAddresses(site);
  return plans.map((plan, n) => {
    const address = `${site.adminNet}.${60 + n}`;
    const hostname = `${prefix}-srv-${plan.name}-01`;
    const windows = plan.os.platform === 'windows';
    const spec: HostSpec = {
      site,
      role: 'server',
      hostname,
      os: plan.os,
      build: (now) => {
        // Weekly `restic copy` to the HDS object storage (object lock), recorded in the job's status file.
        const offlineCopies: BackupEvidence['offline_copies'] = windows
          ? { unavailable: 'wbadmin knows only its own target: offline and immutable copies of it are managed by the backup server' }
          : [
              {
                kind: 'immutable',
                target: `s3:https://${GHT.hdsObjectStorage.fqdn}/ght-vallee-immuable/${hostname}`,
                location: 'Hébergeur HDS (hors site)',
                last_copy_at: ago(now, (2 + ((n + index) % 4)) * DAY),
                media_connected: null,
                retention_days: 30,
              },
            ];
        const sources: BackupSource[] = windows
          ? [{ tool: 'wbadmin', target: `\\\\bkp.${site.id}.${GHT.domain}\\WindowsImageBackup\\${hostname}`, last_success_at: ago(now, plan.backupAgeH * HOUR), snapshot_count: 14 }]
          : [restic(now, `rest:https://bkp.${site.id}.${GHT.domain}:8000/${plan.name}`, plan.backupAgeH, 90)];
        const backups: BackupEvidence = { sources, offline_copies: offlineCopies };
        if (windows) {
          const listeners = plan.name === 'ad'
            ? [53, 88, 389, 464, 636, 3268, 3269, 9389].map((port) => listener('0.0.0.0', port, port === 53 ? 'dns.exe' : 'lsass.exe', 700))
            : [listener('0.0.0.0', 104, 'pacs-dicom.exe', 2210), listener('0.0.0.0', 443, 'pacs-web.exe', 2230)];
          const flows: FlowSpec[] = [
            { address: a.backup, port: 445, process: 'wbengine.exe', fqdn: `bkp.${site.id}.${GHT.domain}`, firstH: 22, lastH: 20 },
            { address: GHT.wsus.address, port: 8530, process: 'svchost.exe', fqdn: GHT.wsus.fqdn, firstH: 20, lastH: 8 },
            { address: GHT.syslog.address, port: 6514, process: 'nxlog.exe', fqdn: GHT.syslog.fqdn },
          ];
          return {
            network: windowsNetwork(site, now, listeners, flows, { smb1: plan.os === WINDOWS_2012R2 }),
            wifi: windowsNoWifi(),
            backups,
            mfa: {
              sshd: { installed: false, settings: null },
              remote_access: [{ kind: 'other', name: 'RDP (TermService) reachable from the admin network only', exposure: 'admin-network', factors: ['password', 'smartcard'] }],
              second_factors: [{ population: 'admins', context: 'Tier 0 logon with smart card', factors: ['smartcard'] }],
              local_admins: {
                members: [
                  { name: 'Administrateur', kind: 'user', last_interactive_logon_at: null },
                  { name: `${GHT.netbios}\\GG-Admins-T${plan.name === 'ad' ? '0' : '1'}`, kind: 'group', last_interactive_logon_at: null },
                ],
                builtin_admin: { name: 'Administrateur', enabled: false, laps_managed: plan.name !== 'ad', last_interactive_logon_at: null },
                daily_user_is_admin: null,
                logon_history_since: ago(now, 60 * DAY),
              },
              lockout: windowsLockout(),
            },
          };
        }
        const listeners = [
          listener(address, 22, 'sshd', 901),
          listener('0.0.0.0', 443, plan.name === 'pacs' ? 'java' : 'nginx', 1502),
          ...(plan.name === 'pacs' ? [listener('0.0.0.0', 104, 'java', 1502)] : []),
        ];
        const flows: FlowSpec[] = [{ address: a.backup, port: 8000, process: 'restic', fqdn: `bkp.${site.id}.${GHT.domain}`, firstH: plan.backupAgeH % 24, lastH: plan.backupAgeH % 24 }];
        if (plan.name === 'dpi') flows.push({ address: `${site.lan}.20.11`, port: 5432, process: 'java', fqdn: `pgsql.${site.id}.${GHT.domain}` });
        const remote: RemoteEntryPoint[] = adminSsh();
        // The support site publishes the DPI's partner portal to city doctors through Pro Santé Connect.
        if (plan.name === 'dpi' && index === 0) remote.push({ kind: 'other', name: 'Portail ville-hôpital (reverse proxy, Pro Santé Connect)', exposure: 'internet', factors: ['psc'] });
        return {
          network: linuxNetwork(site, now, listeners, flows, { logsBlocked: !(plan.name === 'dpi' && index === 1) }),
          wifi: linuxNoWifi(),
          backups,
          mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, remote }),
        };
      },
    };
    if (plan.stale) spec.reportAgeMs = 60 * HOUR;
    return spec;
  });
}

function backupServer(site: SimulatedSite, index: number, prefix: string): HostSpec {
  const address = `${site.adminNet}.90`;
  const siteName = site.name.replace(/ \(.*\)$/, '');
  return {
    site,
    role: 'backup-server',
    hostname: `${prefix}-bkp-01`,
    os: DEBIAN_12,
    build: (now) => {
      const sources: BackupSource[] = [
        restic(now, `/srv/restic/${site.id}-serveurs`, 3 + index * 2, 120),
        index === 2
          ? { tool: 'borg', target: `/srv/borg/${site.id}-config`, unavailable: 'borg list exited 2: passphrase supplied in BORG_PASSCOMMAND is incorrect' }
          : { tool: 'borg', target: `/srv/borg/${site.id}-config`, last_success_at: ago(now, (2 + index * 5) * HOUR), snapshot_count: 90 },
      ];
      const backups: BackupEvidence = {
        sources,
        offline_copies: [
          index === 2
            ? { kind: 'offline', target: 'RDX cartouche RIV-RDX-02', location: `${siteName} — armoire forte`, last_copy_at: ago(now, 11 * DAY), media_connected: true, retention_days: null }
            : { kind: 'offline', target: `LTO-8 ${site.id.toUpperCase()}-HEBDO`, location: `${siteName} — coffre bâtiment B`, last_copy_at: ago(now, (3 + index) * DAY), media_connected: false, retention_days: null },
          ...(index === 2
            ? []
            : [{ kind: 'immutable' as const, target: `s3:https://${GHT.hdsObjectStorage.fqdn}/ght-vallee-immuable/${site.id}`, location: 'Hébergeur HDS (hors site)', last_copy_at: ago(now, 20 * HOUR), media_connected: null, retention_days: 30 }]),
        ],
        repositories: [
          { name: 'Dépôt restic + Proxmox Backup Server (disques locaux)', media: 'disk', storage_system: `${prefix}-bkp-01 RAID 6`, site: siteName, off_site: false, state: 'online' },
          index === 2
            ? { name: 'Cartouches RDX', media: 'removable', storage_system: 'Lecteur RDX QuikStor', site: siteName, off_site: false, state: 'offline' }
            : { name: 'Bandes LTO-8', media: 'tape', storage_system: 'Bibliothèque Quantum Scalar i3', site: `${siteName} bâtiment B`, off_site: false, state: 'offline' },
          ...(index === 2
            ? []
            : [{ name: 'Stockage objet immuable HDS', media: 'object-storage' as const, storage_system: 'Hébergeur HDS', site: 'Hébergeur HDS', off_site: true, state: 'immutable' as const }]),
        ],
        restore_tests: [
          { tested_at: ago(now, ([41, 190, 150][index] ?? 41) * DAY), scope: 'Restauration complète du serveur DPI sur environnement isolé', result: 'success', record: `PRA-${site.id.toUpperCase()}-2026-0${index + 3}` },
          { tested_at: ago(now, 400 * DAY), scope: 'Restauration de fichiers partagés', result: 'partial', record: null },
        ],
        console: {
          product: 'Proxmox Backup Server 3.2',
          identity_source: index === 1 ? 'active-directory' : 'local',
          directory_forest: index === 1 ? GHT.domain : null,
          mfa_supported: true,
          mfa_enabled: index !== 2,
          builtin_admin: { name: 'root@pam', enabled: true, used_recently: false, password_vaulted: true },
        },
      };
      const network = linuxNetwork(site, now, [listener(address, 22, 'sshd', 640), listener(`${site.lan}.30.10`, 8000, 'rest-server', 720), listener(`${site.lan}.30.10`, 8007, 'proxmox-backup-proxy', 730)], [
        ...(index === 2 ? [] : [{ address: GHT.hdsObjectStorage.address, port: 443, process: 'rclone', fqdn: GHT.hdsObjectStorage.fqdn, firstH: 21, lastH: 20 }]),
      ]);
      return {
        network,
        wifi: linuxNoWifi(),
        backups,
        mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, remote: adminSsh() }),
      };
    },
  };
}

function specsFor(site: SimulatedSite, index: number, random: () => number): HostSpec[] {
  const prefix = site.id.split('-')[1]?.slice(0, 3) ?? site.id.slice(0, 3);
  return [
    ...workstations(site, index, random, prefix),
    ...adminWorkstations(site, index, prefix),
    ...gateways(site, index, prefix),
    ...servers(site, index, prefix),
    backupServer(site, index, prefix),
  ];
}

/** 48 hosts over three sites; the same seed (and `now`) always gives the same reports. */
export function simulatedFleet(seed = 2022): SimulatedHost[] {
  const random = prng(seed);
  return DEMO_SITES.flatMap((site, index) => specsFor(site, index, random)).map((spec) => ({
    identity: { hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
    report: (hostId: string, now: Date): Report => {
      const collectedAt = new Date(now.getTime() - (spec.reportAgeMs ?? 0));
      const evidence = spec.build(collectedAt);
      const report: Report = {
        schema_version: SCHEMA_VERSION,
        report_id: reportId(seed, spec.hostname, iso(collectedAt)),
        agent_version: '0.1.0-simulated',
        collected_at: iso(collectedAt),
        host: { host_id: hostId, hostname: spec.hostname, os: spec.os, role: spec.role, site: spec.site.id },
        network: evidence.network,
        wifi: evidence.wifi,
        backups: evidence.backups,
        mfa: evidence.mfa,
      };
      if (evidence.telemaintenance !== undefined) report.telemaintenance = evidence.telemaintenance;
      return report;
    },
  }));
}
