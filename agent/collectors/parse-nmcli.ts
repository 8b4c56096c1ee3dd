// Pure parsers of NetworkManager's `nmcli` in terse mode (`-t`, escaping on): fields are
// separated by ":", and a ":" or "\" inside a value is written "\:" or "\\".
//   nmcli -t -f NAME,UUID,TYPE,AUTOCONNECT connection show      -> saved profiles
//   nmcli -t connection show UUID                               -> "setting.property:value" lines
//   nmcli -t -f IN-USE,SSID,SECURITY device wifi list --rescan no -> last scan
//   nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device              -> devices and active profiles
import type { VisibleNetwork, WifiInterface, WifiProfile } from '../../policies/evidence.js';

const MAX_LINES = 20_000;

/** Splits one terse line into its fields, undoing the escapes. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      current += line[i + 1];
      i += 1;
    } else if (c === ':') {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  fields.push(current);
  return fields;
}

function lines(text: string): string[] {
  const all = text.split('\n').filter((l) => l.trim() !== '');
  if (all.length > MAX_LINES) throw new Error(`nmcli output too long (${all.length} lines)`);
  return all;
}

export interface NmcliConnection {
  name: string;
  uuid: string;
  type: string;
  autoconnect: boolean;
}

export function parseNmcliConnections(text: string): NmcliConnection[] {
  return lines(text).map((line) => {
    const [name, uuid, type, autoconnect, ...rest] = splitTerse(line);
    if (!name || !uuid || !type || !autoconnect || rest.length > 0 || !/^[0-9a-f-]{36}$/i.test(uuid)) {
      throw new Error(`unexpected nmcli connection line: ${line.slice(0, 80)}`);
    }
    return { name, uuid, type, autoconnect: autoconnect === 'yes' };
  });
}

export function isWifiConnectionType(type: string): boolean {
  return type === '802-11-wireless' || type === 'wifi';
}

/** "setting.property:value" lines -> map; an empty value or "--" means unset. */
export function parseNmcliProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of lines(text)) {
    const colon = line.search(/(?<!\\):/);
    if (colon <= 0) throw new Error(`unexpected nmcli property line: ${line.slice(0, 80)}`);
    const key = line.slice(0, colon);
    const value = splitTerse(line.slice(colon + 1)).join(':').trim();
    if (value !== '' && value !== '--') properties.set(key, value);
  }
  return properties;
}

const MODES: Record<string, WifiInterface['mode']> = { infrastructure: 'managed', ap: 'ap', adhoc: 'ibss', mesh: 'other' };

/** One Wi-Fi profile from its properties. Identity, passwords and keys are never read. */
export function wifiProfileFrom(properties: Map<string, string>): WifiProfile {
  const ssid = properties.get('802-11-wireless.ssid');
  if (!ssid) throw new Error('Wi-Fi profile without 802-11-wireless.ssid');
  const keyMgmt = properties.get('802-11-wireless-security.key-mgmt') ?? null;
  const methods = (properties.get('802-1x.eap') ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
  const usesEap = methods.length > 0 || keyMgmt === 'wpa-eap' || keyMgmt === 'ieee8021x' || keyMgmt === 'wpa-eap-suite-b-192';
  const systemCa = properties.get('802-1x.system-ca-certs');
  const serverName = properties.get('802-1x.domain-suffix-match') ?? properties.get('802-1x.domain-match') ?? properties.get('802-1x.subject-match') ?? null;
  return {
    ssid: ssid.slice(0, 64),
    key_management: keyMgmt ? keyMgmt.slice(0, 64) : null,
    cipher: properties.get('802-11-wireless-security.pairwise')?.slice(0, 64) ?? null,
    autoconnect: properties.get('connection.autoconnect') !== 'no', // NetworkManager's default is yes
    mode: MODES[properties.get('802-11-wireless.mode') ?? 'infrastructure'] ?? 'other',
    eap: usesEap
      ? {
          methods: methods.slice(0, 8).map((m) => m.slice(0, 32)),
          phase2: (properties.get('802-1x.phase2-auth') ?? properties.get('802-1x.phase2-autheap'))?.slice(0, 64) ?? null,
          ca_configured: properties.has('802-1x.ca-cert') || properties.has('802-1x.ca-path'),
          system_ca: systemCa === undefined ? null : systemCa === 'yes',
          server_name: serverName ? serverName.slice(0, 256) : null,
        }
      : null,
  };
}

export function parseNmcliWifiList(text: string): VisibleNetwork[] {
  const networks: VisibleNetwork[] = [];
  for (const line of lines(text)) {
    const [inUse, ssid, security, ...rest] = splitTerse(line);
    if (inUse === undefined || ssid === undefined || security === undefined || rest.length > 0) {
      throw new Error(`unexpected nmcli wifi line: ${line.slice(0, 80)}`);
    }
    if (networks.length >= 256) break; // the busiest places list a few dozen; keep the first 256
    const sec = security.trim();
    networks.push({
      ssid: ssid === '' || ssid === '--' ? null : ssid.slice(0, 64),
      security: sec === '' || sec === '--' ? null : sec.slice(0, 64),
      in_use: inUse.trim() === '*',
    });
  }
  return networks;
}

export interface NmcliDevice {
  device: string;
  type: string;
  state: string;
  connection: string | null;
}

export function parseNmcliDevices(text: string): NmcliDevice[] {
  return lines(text).map((line) => {
    const [device, type, state, connection, ...rest] = splitTerse(line);
    if (!device || !type || !state || connection === undefined || rest.length > 0) {
      throw new Error(`unexpected nmcli device line: ${line.slice(0, 80)}`);
    }
    return { device, type, state, connection: connection === '' || connection === '--' ? null : connection };
  });
}
