// Windows proxy and the browsers' DNS-over-HTTPS policies (NET-03, NET-04), read from the registry
// in one PowerShell object (values are identifiers and numbers: no translated text):
//   WinHttp   = HKLM\...\Internet Settings\Connections WinHttpSettings (binary, as `netsh winhttp
//               set proxy` writes it: DWORD size, DWORD counter, DWORD flags (1 direct, 2 proxy,
//               4 PAC URL, 8 auto-detect), DWORD length + proxy string, DWORD length + bypass list);
//   PerUser   = HKLM\SOFTWARE\Policies\...\Internet Settings ProxySettingsPerUser (GPO "Make proxy
//               settings per-machine": 0 = one machine-wide proxy users cannot change);
//   Machine   = HKLM\...\Internet Settings ProxyEnable / ProxyServer / AutoConfigURL;
//   Edge, Chrome = HKLM\SOFTWARE\Policies\Microsoft\Edge | Google\Chrome: DnsOverHttpsMode,
//               ProxyMode, ProxyServer, ProxyPacUrl (plus whether the browser is installed);
//   Firefox   = HKLM\SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS Enabled / Fallback.
// Privilege: none (HKLM is readable by users).
import type { BrowserDohPolicy, ProxyPolicy } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';
import { stripProxyCredentials } from './redact.js';

const key = (path: string) => `Get-ItemProperty '${path}' -ErrorAction SilentlyContinue`;

export const WINDOWS_PROXY_SCRIPT = [
  `$c = ${key('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections')};`,
  `$i = ${key('HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings')};`,
  `$m = ${key('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings')};`,
  `$e = ${key('HKLM:\\SOFTWARE\\Policies\\Microsoft\\Edge')};`,
  `$g = ${key('HKLM:\\SOFTWARE\\Policies\\Google\\Chrome')};`,
  `$f = ${key('HKLM:\\SOFTWARE\\Policies\\Mozilla\\Firefox\\DNSOverHTTPS')};`,
  "$b = { param($p) @{ DnsOverHttpsMode = $p.DnsOverHttpsMode; ProxyMode = $p.ProxyMode; ProxyServer = $p.ProxyServer; ProxyPacUrl = $p.ProxyPacUrl } };",
  '@{ WinHttp = @($c.WinHttpSettings); PerUser = $i.ProxySettingsPerUser;',
  'Machine = @{ ProxyEnable = $m.ProxyEnable; ProxyServer = $m.ProxyServer; AutoConfigURL = $m.AutoConfigURL };',
  'Edge = (& $b $e); Chrome = (& $b $g); Firefox = @{ Enabled = $f.Enabled; Fallback = $f.Fallback };',
  "Installed = @{ Chrome = (Test-Path \"$env:ProgramFiles\\Google\\Chrome\\Application\\chrome.exe\"); Firefox = (Test-Path \"$env:ProgramFiles\\Mozilla Firefox\\firefox.exe\") } } | ConvertTo-Json -Depth 4 -Compress",
].join(' ');

export interface WindowsProxy {
  proxy_policy: ProxyPolicy;
  browser_doh: BrowserDohPolicy[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** The WinHTTP proxy from WinHttpSettings, or null for direct access; malformed bytes are an error. */
export function winHttpProxy(values: readonly unknown[]): string | null {
  // `@($null)` when the value is absent: one null.
  const bytes = values.filter((b) => b !== null);
  if (bytes.length === 0) return null; // never set: WinHTTP's default is direct access
  if (!bytes.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) throw new Error('WinHttpSettings: not a byte array');
  const buf = Buffer.from(bytes as number[]);
  const dword = (at: number): number => {
    if (at + 4 > buf.length) throw new Error(`WinHttpSettings: truncated (${buf.length} bytes)`);
    return buf.readUInt32LE(at);
  };
  const flags = dword(8);
  const length = dword(12);
  if (16 + length > buf.length || length > 2048) throw new Error(`WinHttpSettings: proxy length ${length} beyond the value (${buf.length} bytes)`);
  if ((flags & 2) === 0) return null;
  const proxy = buf.subarray(16, 16 + length).toString('latin1').trim();
  return proxy === '' ? null : stripProxyCredentials(proxy);
}

function chromiumDoh(policies: Record<string, unknown>): BrowserDohPolicy['policy_mode'] {
  const mode = policies.DnsOverHttpsMode;
  return mode === 'off' || mode === 'automatic' || mode === 'secure' ? mode : null;
}

/** Chrome/Edge ProxyMode set by policy: the browser's proxy is imposed. */
function chromiumProxy(policies: Record<string, unknown>): { server: string | null; pac: string | null } | null {
  const mode = str(policies.ProxyMode);
  if (mode === 'fixed_servers') return { server: str(policies.ProxyServer), pac: null };
  if (mode === 'pac_script') return { server: null, pac: str(policies.ProxyPacUrl) };
  return null;
}

export function parseWindowsProxy(json: string): WindowsProxy {
  const root = asRecord(parsePowerShellJson(json, 'proxy registry'), 'proxy registry');
  for (const k of ['Machine', 'Edge', 'Chrome', 'Firefox', 'Installed']) if (!(k in root)) throw new Error(`proxy registry: ${k} missing (truncated output?)`);
  const machine = asRecord(root.Machine, 'Internet Settings');
  const edge = asRecord(root.Edge, 'Edge policies');
  const chrome = asRecord(root.Chrome, 'Chrome policies');
  const firefox = asRecord(root.Firefox, 'Firefox policies');
  const installed = asRecord(root.Installed, 'installed browsers');

  const winhttp = winHttpProxy(asList(root.WinHttp));
  const perMachine = root.PerUser === 0;
  const machineProxy = machine.ProxyEnable === 1 ? str(machine.ProxyServer) : null;
  const browserProxy = chromiumProxy(edge) ?? chromiumProxy(chrome);
  const system_proxy = winhttp ?? (perMachine ? machineProxy : null) ?? browserProxy?.server ?? null;
  const pac_url = (perMachine ? str(machine.AutoConfigURL) : null) ?? browserProxy?.pac ?? null;
  const proxy_policy: ProxyPolicy = {
    source: 'WinHTTP (WinHttpSettings); Internet Settings per-machine policy (ProxySettingsPerUser); Edge/Chrome ProxyMode policy',
    system_proxy: system_proxy === null ? null : stripProxyCredentials(system_proxy).slice(0, 512),
    pac_url: pac_url?.slice(0, 2048) ?? null,
    // Imposed when the per-machine GPO holds a proxy or PAC, or a browser policy fixes the proxy.
    enforced_by_policy: (perMachine && (machineProxy !== null || str(machine.AutoConfigURL) !== null)) || browserProxy !== null,
  };

  let firefoxDoh: BrowserDohPolicy['policy_mode'] = null;
  if (firefox.Enabled === 0) firefoxDoh = 'off';
  else if (firefox.Enabled === 1) firefoxDoh = firefox.Fallback === 0 ? 'secure' : 'automatic';
  // Edge ships with Windows 10/11 and Server 2019+: always reported; the others when installed.
  const browser_doh: BrowserDohPolicy[] = [{ browser: 'edge', policy_mode: chromiumDoh(edge) }];
  if (installed.Chrome === true) browser_doh.push({ browser: 'chrome', policy_mode: chromiumDoh(chrome) });
  if (installed.Firefox === true) browser_doh.push({ browser: 'firefox', policy_mode: firefoxDoh });
  return { proxy_policy, browser_doh };
}
