// Log forwarding of a Windows host (LOG-01) from one PowerShell object:
//   Managers = the values of the Windows Event Forwarding policy key
//              HKLM\SOFTWARE\Policies\Microsoft\Windows\EventLog\EventForwarding\SubscriptionManager
//              ("Server=https://wec.chu.local:5986/wsman/SubscriptionManager/WEC,Refresh=60[,IssuerCA=...]");
//   WinRm    = the WinRM service's status: the forwarder runs inside it;
//   Services = known third-party forwarders installed (NXLog, Winlogbeat, Splunk Universal
//              Forwarder, Wazuh, Elastic Agent, Snare): Name and State.
// A WEF source keeps no record of the last event it shipped (the collector, `wecutil gr`, does):
// last_shipped_at is null and says so; LOG-01 is then unknown for it, never pass. A third-party
// forwarder's destination is in its own configuration, not read here: it is named as such, so a
// host that does forward is not judged "no log forwarding configured".
// Privilege: none (policy keys and services are readable by a standard user).
import type { LogForwardTarget } from '../../policies/evidence.js';
import { asList, asRecord, parsePowerShellJson } from './powershell-json.js';
import { bounded } from './redact.js';

export const WINDOWS_LOG_FORWARDING_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8;',
  "$k = Get-ItemProperty 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\EventLog\\EventForwarding\\SubscriptionManager' -ErrorAction SilentlyContinue;",
  "$m = @(if ($k) { $k.PSObject.Properties | Where-Object { $_.Name -match '^\\d+$' } | ForEach-Object { [string]$_.Value } });",
  '$w = Get-Service WinRM -ErrorAction SilentlyContinue;',
  "$s = @(Get-Service nxlog, winlogbeat, SplunkForwarder, WazuhSvc, 'Elastic Agent', Snare -ErrorAction SilentlyContinue | Select-Object Name, @{n='State';e={[string]$_.Status}});",
  "@{ Managers = $m; WinRm = $(if ($w) { [string]$w.Status } else { $null }); Services = $s } | ConvertTo-Json -Depth 3 -Compress",
].join(' ');

const FORWARDERS: Readonly<Record<string, { daemon: string; config: string }>> = {
  nxlog: { daemon: 'nxlog', config: 'nxlog.conf' },
  winlogbeat: { daemon: 'winlogbeat', config: 'winlogbeat.yml' },
  splunkforwarder: { daemon: 'splunk-universal-forwarder', config: 'outputs.conf' },
  wazuhsvc: { daemon: 'wazuh-agent', config: 'ossec.conf' },
  'elastic agent': { daemon: 'elastic-agent', config: 'its Fleet policy' },
  snare: { daemon: 'snare', config: 'its configuration' },
};

/** "Server=https://wec:5986/wsman/SubscriptionManager/WEC,Refresh=60,IssuerCA=ab12" -> the URL, credentials removed. */
function managerUrl(value: string): URL {
  const server = /(?:^|,)\s*Server\s*=\s*([^,]+)/i.exec(value)?.[1]?.trim();
  if (!server) throw new Error(`Windows Event Forwarding: no Server= in the subscription manager ${JSON.stringify(value.slice(0, 80))}`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`Windows Event Forwarding: unreadable subscription manager address ${JSON.stringify(server.slice(0, 80))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Windows Event Forwarding: unexpected scheme ${url.protocol}`);
  url.username = '';
  url.password = '';
  return url;
}

export function parseWindowsLogForwarding(json: string): LogForwardTarget[] {
  const root = asRecord(parsePowerShellJson(json, 'log forwarding'), 'log forwarding');
  if (!('WinRm' in root)) throw new Error('log forwarding: WinRM state missing (truncated output?)');
  const winrm = typeof root.WinRm === 'string' ? root.WinRm : null;
  const out: LogForwardTarget[] = [];
  for (const raw of asList(root.Managers).slice(0, 8)) {
    if (typeof raw !== 'string') throw new Error('Windows Event Forwarding: a subscription manager is not text');
    const url = managerUrl(raw);
    out.push({
      daemon: 'windows-event-forwarding',
      target: bounded(`${url.origin}${url.pathname}`, 512),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      last_shipped_at: null,
      last_shipped_unavailable:
        winrm === 'Running'
          ? 'a WEF source keeps no record of the last event it shipped: the collector knows it (wecutil gr)'
          : `WinRM, which carries Windows Event Forwarding, is ${winrm ?? 'not installed'}: nothing can be shipped`,
    });
  }
  for (const raw of asList(root.Services).slice(0, 8)) {
    const s = asRecord(raw, 'Get-Service');
    const known = typeof s.Name === 'string' ? FORWARDERS[s.Name.toLowerCase()] : undefined;
    if (!known) throw new Error(`log forwarding: unexpected service ${JSON.stringify(raw).slice(0, 60)}`);
    out.push({
      daemon: known.daemon,
      target: `destination set in ${known.config} (not read by the agent)`,
      protocol: null,
      last_shipped_at: null,
      last_shipped_unavailable: bounded(`${String(s.Name)} service ${typeof s.State === 'string' ? s.State : 'state unknown'}; it keeps its own delivery state, not read by the agent`, 300),
    });
  }
  return out;
}
