// Network evidence profiles: listeners, 24 h of outbound flows, proxy and DNS, firewall, SMBv1,
// for Windows and Linux hosts of a site.
import { type Listener, type NameSource, type NetworkEvidence, type OutboundFlow, type RemoteControlTool } from '../../../../policies/evidence.js';
import { HOUR, ago, iso } from '../clock.js';
import { GHT, type SimulatedSite, siteAddresses } from '../sites.js';

export const listener = (address: string, port: number, process: string, pid: number, protocol: 'tcp' | 'udp' = 'tcp'): Listener => ({
  protocol,
  address,
  port,
  process,
  pid,
});

export interface FlowSpec {
  address: string;
  port: number;
  process: string;
  fqdn?: string | null;
  protocol?: 'tcp' | 'udp';
  /** Hours before the window end of the first and last sighting. */
  firstH?: number;
  lastH?: number;
}

/**
 * An observation window of exactly 24 h ending at `now` (NET-01 and friends need >= 24 h). A
 * named flow carries the name source its platform's agent reads (Windows: the DNS Client event
 * 3008; Linux: systemd-resolved's monitor stream), joined exactly (same address, same process).
 */
function outbound(now: Date, specs: FlowSpec[], nameSource: NameSource): NetworkEvidence['outbound'] {
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
        ...(f.fqdn ? { remote_fqdn_source: nameSource, remote_fqdn_confidence: 'exact' as const } : {}),
        process: f.process,
        pid: 2000 + i * 37,
        first_seen: ago(now, (f.firstH ?? 23.5) * HOUR),
        last_seen: ago(now, (f.lastH ?? 0.2) * HOUR),
      }),
    ),
  };
}

const NO_PROBES = { unavailable: 'no egress probe target configured for this role on the server yet' };

/** The name_resolution part of a report whose flows were named from `source`. */
function nameResolution(outbound: NetworkEvidence['outbound'], source: NameSource): NetworkEvidence['name_resolution'] {
  const flows = 'flows' in outbound ? outbound.flows : [];
  const named = flows.filter((f) => f.remote_fqdn !== null).length;
  return { version: 1, sources: [{ source, state: 'read', answers: named * 12 }], flows_named: { exact: named, inferred: 0, cache: 0, unnamed: flows.length - named } };
}

function dnsFlows(site: SimulatedSite, process: string): FlowSpec[] {
  return siteAddresses(site).dc.map((address) => ({ address, port: 53, process, protocol: 'udp' as const }));
}

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

/** `addresses`: the host's own interface addresses (what maps the proxy's log lines to it). */
export function windowsNetwork(
  site: SimulatedSite,
  now: Date,
  extraListeners: Listener[],
  flows: FlowSpec[],
  opts: { smb1?: boolean; logsBlocked?: boolean; firefoxWithoutPolicy?: boolean; remoteControl?: RemoteControlTool[]; addresses?: string[] } = {},
): NetworkEvidence {
  const browsers: { browser: string; policy_mode: 'off' | null }[] = [
    { browser: 'edge', policy_mode: 'off' },
    { browser: 'chrome', policy_mode: 'off' },
  ];
  if (opts.firefoxWithoutPolicy) browsers.push({ browser: 'firefox', policy_mode: null });
  const observed = outbound(now, [...dnsFlows(site, 'svchost.exe'), ...flows], 'dns-client-event');
  return {
    listeners: [
      listener('0.0.0.0', 135, 'svchost.exe', 1084),
      listener('0.0.0.0', 445, 'System', 4),
      listener('0.0.0.0', 49664, 'lsass.exe', 812),
      listener('0.0.0.0', 49665, 'wininit.exe', 664),
      ...extraListeners,
      listener('127.0.0.1', 9100, 'vigie-agent.exe', 5012),
    ],
    outbound: observed,
    egress_probes: NO_PROBES,
    proxy_dns: { env_proxy: { http: null, https: null, no_proxy: null }, resolvers: siteAddresses(site).dc, dns_over_tls: false },
    proxy_policy: windowsProxyPolicy(),
    browser_doh: browsers,
    firewall: windowsFirewall(opts.logsBlocked ?? true),
    smb1: windowsSmb1(opts.smb1 ?? false),
    // Uninstall keys, services and processes (parse-windows-remote-control.ts): none unless placed.
    remote_control: opts.remoteControl ?? [],
    name_resolution: nameResolution(observed, 'dns-client-event'),
    ...(opts.addresses ? { local_addresses: opts.addresses } : {}),
  };
}

/** Workstation traffic inside the GHT: domain controller, proxy, DPI, WSUS, print server. */
export function workstationFlows(site: SimulatedSite, service: string): FlowSpec[] {
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

/** `addresses`: the host's own interface addresses. */
export function linuxNetwork(site: SimulatedSite, now: Date, listeners: Listener[], flows: FlowSpec[], opts: { logsBlocked?: boolean; addresses?: string[] } = {}): NetworkEvidence {
  const observed = outbound(
    now,
    [
      ...dnsFlows(site, 'systemd-resolved'),
      { address: siteAddresses(site).dc[0] ?? '', port: 123, process: 'chronyd', protocol: 'udp' },
      { address: GHT.syslog.address, port: 6514, process: 'rsyslogd', fqdn: GHT.syslog.fqdn },
      { address: GHT.mirror.address, port: 443, process: 'apt', fqdn: GHT.mirror.fqdn, firstH: 18, lastH: 17 },
      ...flows,
    ],
    'resolved-monitor',
  );
  return {
    listeners: [...listeners, listener('127.0.0.1', 25, 'exim4', 1030), listener('127.0.0.53', 53, 'systemd-resolved', 402, 'udp')],
    outbound: observed,
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
    // No TeamViewer, AnyDesk, RustDesk or VNC package, unit or process.
    remote_control: [],
    name_resolution: nameResolution(observed, 'resolved-monitor'),
    ...(opts.addresses ? { local_addresses: opts.addresses } : {}),
  };
}
