// Pure reading of browser enterprise policies on Linux: Firefox `policies.json` and the managed
// JSON policies of Chromium, Chrome and Edge. Only proxy and DNS-over-HTTPS settings are read.
import type { BrowserDohPolicy } from '../../policies/evidence.js';
import { stripProxyCredentials } from './redact.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export interface BrowserProxy {
  /** "fixed" (explicit proxy), "pac", "direct", "system" (follow the OS), "auto_detect" (WPAD). */
  mode: 'fixed' | 'pac' | 'direct' | 'system' | 'auto_detect';
  server: string | null;
  pac_url: string | null;
  /** The user cannot change it (Chromium managed policies always; Firefox only with Locked). */
  locked: boolean;
}

export interface BrowserPolicies {
  doh: BrowserDohPolicy['policy_mode'];
  proxy: BrowserProxy | null;
}

function parseJson(text: string, what: string): Json {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (!isObject(data)) throw new Error(`${what} is not a JSON object`);
  return data;
}

/** Firefox policies.json: {"policies": {"DNSOverHTTPS": {...}, "Proxy": {...}}}. */
export function parseFirefoxPolicies(text: string): BrowserPolicies {
  const root = parseJson(text, 'Firefox policies.json');
  const policies = isObject(root.policies) ? root.policies : {};
  let doh: BrowserDohPolicy['policy_mode'] = null;
  const d = policies.DNSOverHTTPS;
  if (isObject(d) && typeof d.Enabled === 'boolean') {
    // Enabled=false turns DoH off; Fallback=false makes it mandatory (TRR mode 3).
    doh = d.Enabled ? (d.Fallback === false ? 'secure' : 'automatic') : 'off';
  }
  let proxy: BrowserProxy | null = null;
  const p = policies.Proxy;
  if (isObject(p)) {
    const locked = p.Locked === true;
    const mode = str(p.Mode);
    const server = str(p.HTTPProxy) ?? str(p.SSLProxy);
    if (mode === 'manual') proxy = { mode: 'fixed', server: server ? stripProxyCredentials(server) : null, pac_url: null, locked };
    else if (mode === 'autoConfig') proxy = { mode: 'pac', server: null, pac_url: str(p.AutoConfigURL), locked };
    else if (mode === 'none') proxy = { mode: 'direct', server: null, pac_url: null, locked };
    else if (mode === 'autoDetect') proxy = { mode: 'auto_detect', server: null, pac_url: null, locked };
    else if (mode === 'system') proxy = { mode: 'system', server: null, pac_url: null, locked };
  }
  return { doh, proxy };
}

const CHROMIUM_DOH = new Set(['off', 'automatic', 'secure']);

/** One Chromium/Chrome/Edge managed policy file (all keys at top level). Managed = enforced. */
export function parseChromiumPolicies(text: string): BrowserPolicies {
  const root = parseJson(text, 'managed policy file');
  const dohRaw = str(root.DnsOverHttpsMode);
  const doh = dohRaw && CHROMIUM_DOH.has(dohRaw) ? (dohRaw as 'off' | 'automatic' | 'secure') : null;
  // ProxySettings (dictionary) takes precedence over the individual Proxy* policies.
  const settings = isObject(root.ProxySettings) ? root.ProxySettings : root;
  const mode = str(settings.ProxyMode);
  const server = str(settings.ProxyServer);
  const pac = str(settings.ProxyPacUrl);
  let proxy: BrowserProxy | null = null;
  if (mode === 'fixed_servers' || (mode === null && server)) proxy = { mode: 'fixed', server: server ? stripProxyCredentials(server) : null, pac_url: null, locked: true };
  else if (mode === 'pac_script' || (mode === null && pac)) proxy = { mode: 'pac', server: null, pac_url: pac, locked: true };
  else if (mode === 'direct') proxy = { mode: 'direct', server: null, pac_url: null, locked: true };
  else if (mode === 'auto_detect') proxy = { mode: 'auto_detect', server: null, pac_url: null, locked: true };
  else if (mode === 'system') proxy = { mode: 'system', server: null, pac_url: null, locked: true };
  return { doh, proxy };
}

/** Several managed files apply together: later files (by name) do not override earlier ones in Chromium, so the first value set wins. */
export function mergeChromiumFiles(files: readonly BrowserPolicies[]): BrowserPolicies {
  return {
    doh: files.find((f) => f.doh !== null)?.doh ?? null,
    proxy: files.find((f) => f.proxy !== null)?.proxy ?? null,
  };
}
