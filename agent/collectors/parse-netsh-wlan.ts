// Pure parsers of Windows `netsh wlan` outputs (English display language; the agent runs netsh
// with that expectation and a non-English output fails loudly here rather than being misread).
//   netsh wlan show interfaces        -> interfaces, state, SSID, authentication, cipher, radio
//   netsh wlan show profiles          -> profile names
//   netsh wlan show profile name=X    -> one profile's SSID, security, connection mode
// `key=clear` is never used by the agent; a "Key Content" line, if present, is ignored.
import type { WifiInterface, WifiProfile } from '../../policies/evidence.js';

const MAX_LINES = 5000;

interface Field {
  key: string;
  value: string;
}

/** "    Key      : value" lines, in order (keys repeat in profiles: several Authentication lines). */
function fields(text: string): Field[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw new Error('netsh output too long');
  const out: Field[] = [];
  let previous: Field | null = null;
  for (const line of lines) {
    const match = /^\s{2,}([^:]+?)\s*:\s?(.*)$/.exec(line);
    if (match?.[1]) {
      previous = { key: match[1].trim(), value: (match[2] ?? '').trim() };
      out.push(previous);
    } else if (previous && /^\s{20,}\S/.test(line)) {
      // Continuation of a multi-line value ("Radio status : Hardware On\n      Software Off").
      previous.value = `${previous.value} ${line.trim()}`.trim();
    } else {
      previous = null;
    }
  }
  return out;
}

export type NetshInterfaces = { hardware_present: false } | { hardware_present: true; interfaces: WifiInterface[]; hosted_network: string | null };

export function parseNetshInterfaces(text: string): NetshInterfaces {
  if (/There is no wireless interface on the system/i.test(text)) return { hardware_present: false };
  if (/Wireless AutoConfig Service \(wlansvc\) is not running/i.test(text)) throw new Error('the Wireless AutoConfig service (wlansvc) is not running');
  const count = /There (?:is|are) (\d+) interfaces? on the system/i.exec(text);
  if (!count) throw new Error('not netsh wlan show interfaces output (no interface count)');
  const interfaces: WifiInterface[] = [];
  let current: Record<string, string> | null = null;
  const blocks: Array<Record<string, string>> = [];
  let hosted: string | null = null;
  for (const { key, value } of fields(text)) {
    if (key === 'Name') {
      current = {};
      blocks.push(current);
    }
    if (key === 'Hosted network status') hosted = value;
    if (current && !(key in current)) current[key] = value;
  }
  for (const block of blocks) {
    const name = block.Name;
    const state = block.State?.toLowerCase();
    if (!name || !state) throw new Error('truncated netsh interface block (no Name or State)');
    const radio = block['Radio status'] ?? '';
    const connected = state === 'connected';
    interfaces.push({
      name: name.slice(0, 64),
      driver: block.Description ? block.Description.slice(0, 128) : null,
      radio: /Software Off|Hardware Off/i.test(radio) ? 'off' : /Hardware On/i.test(radio) || connected ? 'on' : 'unknown',
      oper_state: connected ? 'up' : state === 'disconnected' ? 'down' : 'unknown',
      mode: block['Network type'] ? modeOf(block['Network type']) : 'unknown',
      connection:
        connected && block.SSID
          ? { ssid: block.SSID.slice(0, 64), key_management: block.Authentication?.slice(0, 64) ?? null, cipher: block.Cipher?.slice(0, 64) ?? null }
          : null,
    });
  }
  if (interfaces.length !== Number(count[1])) throw new Error(`netsh announced ${count[1]} interface(s) but listed ${interfaces.length}: truncated output`);
  return { hardware_present: true, interfaces, hosted_network: hosted };
}

function modeOf(networkType: string): WifiInterface['mode'] {
  const type = networkType.toLowerCase();
  if (type === 'infrastructure') return 'managed';
  if (type === 'adhoc' || type === 'ad hoc') return 'ibss';
  return 'other';
}

/** Profile names from `netsh wlan show profiles` (group policy and user profiles). */
export function parseNetshProfileNames(text: string): string[] {
  if (!/Profiles on interface/i.test(text)) throw new Error('not netsh wlan show profiles output');
  return fields(text)
    .filter((f) => /^(All User Profile|User Profile|Group Policy Profile)/i.test(f.key) && f.value !== '')
    .map((f) => f.value)
    .slice(0, 256);
}

export function parseNetshProfile(text: string): WifiProfile {
  if (!/Profile information/i.test(text) || !/Security settings/i.test(text)) {
    throw new Error('not a complete netsh wlan show profile output (missing sections)');
  }
  const all = fields(text).filter((f) => !/^Key Content$/i.test(f.key));
  const get = (key: string) => all.find((f) => f.key === key)?.value;
  const ssid = get('SSID name')?.replace(/^"|"$/g, '');
  if (!ssid) throw new Error('netsh profile without SSID name');
  const auth = get('Authentication');
  const ciphers = [...new Set(all.filter((f) => f.key === 'Cipher').map((f) => f.value))];
  const eapType = get('EAP type');
  return {
    ssid: ssid.slice(0, 64),
    key_management: auth && !/^open$/i.test(auth) ? auth.slice(0, 64) : null,
    cipher: ciphers.length > 0 && !(ciphers.length === 1 && ciphers[0] === 'None') ? ciphers.join(',').slice(0, 64) : null,
    autoconnect: /Connect automatically/i.test(get('Connection mode') ?? ''),
    mode: get('Network type') ? modeOf(get('Network type') ?? '') : 'unknown',
    eap:
      get('802.1X') === 'Enabled' || eapType
        ? {
            methods: eapType ? [eapType.slice(0, 32)] : [],
            phase2: null,
            // Server validation lives in the profile XML, not in this output: unknown, not false.
            ca_configured: null,
            system_ca: null,
            server_name: null,
          }
        : null,
  };
}
