// Proxy and DNS-over-HTTPS as imposed on Linux (NET-03, NET-04): Firefox policies.json, the
// managed policies of Chromium/Chrome/Edge, the GNOME system proxy (dconf, with its locks),
// /etc/environment and apt. Policy files are world-readable: no privilege needed.
import type { BrowserDohPolicy, ProxyPolicy, Unavailable } from '../../policies/evidence.js';
import { mergeChromiumFiles, parseChromiumPolicies, parseFirefoxPolicies, type BrowserPolicies } from './parse-browser-policies.js';
import { dconfLocksProxy, parseAptProxy, parseDconfKeyfile, parseEnvironmentFile } from './parse-system-proxy.js';
import { listDir, messageOf, readOptional } from './tool.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

const FIREFOX_POLICY_FILES = ['etc/firefox/policies/policies.json', 'usr/lib/firefox/distribution/policies.json', 'usr/lib/firefox-esr/distribution/policies.json'];
const FIREFOX_BINARIES = ['usr/bin/firefox', 'usr/bin/firefox-esr', 'usr/lib/firefox/firefox', 'usr/lib/firefox-esr/firefox-esr'];
const CHROMIUM_FAMILY = [
  { browser: 'chromium', dir: 'etc/chromium/policies/managed', binaries: ['usr/bin/chromium', 'usr/bin/chromium-browser'] },
  { browser: 'chrome', dir: 'etc/opt/chrome/policies/managed', binaries: ['opt/google/chrome/chrome'] },
  { browser: 'edge', dir: 'etc/opt/edge/policies/managed', binaries: ['opt/microsoft/msedge/msedge'] },
];

export interface BrowserProxyEvidence {
  proxy_policy: ProxyPolicy | Unavailable;
  browser_doh: BrowserDohPolicy[] | Unavailable;
}

async function exists(root: string, path: string): Promise<boolean> {
  try {
    await access(join(root, path));
    return true;
  } catch {
    return false;
  }
}

export async function collectBrowserAndProxy(options: { fsRoot?: string } = {}): Promise<BrowserProxyEvidence> {
  const root = options.fsRoot ?? '/';
  const browsers: { browser: string; policies: BrowserPolicies }[] = [];
  let browserError: string | null = null;
  try {
    let firefox: BrowserPolicies | null = null;
    for (const file of FIREFOX_POLICY_FILES) {
      const text = await readOptional(root, file);
      if (text !== null) {
        firefox = parseFirefoxPolicies(text);
        break;
      }
    }
    const firefoxInstalled = firefox !== null || (await Promise.all(FIREFOX_BINARIES.map((b) => exists(root, b)))).some(Boolean);
    if (firefoxInstalled) browsers.push({ browser: 'firefox', policies: firefox ?? { doh: null, proxy: null } });
    for (const family of CHROMIUM_FAMILY) {
      const files = await listDir(root, family.dir, (n) => n.endsWith('.json'));
      const installed = files.length > 0 || (await Promise.all(family.binaries.map((b) => exists(root, b)))).some(Boolean);
      if (!installed) continue;
      const parsed: BrowserPolicies[] = [];
      for (const f of files) {
        const text = await readOptional(root, `${family.dir}/${f}`);
        if (text !== null) parsed.push(parseChromiumPolicies(text));
      }
      browsers.push({ browser: family.browser, policies: mergeChromiumFiles(parsed) });
    }
  } catch (error) {
    browserError = messageOf(error);
  }
  const browser_doh: BrowserProxyEvidence['browser_doh'] = browserError
    ? { unavailable: browserError }
    : browsers.map((b) => ({ browser: b.browser, policy_mode: b.policies.doh }));

  let proxy_policy: ProxyPolicy | Unavailable;
  try {
    proxy_policy = await systemProxy(root, browsers, browserError);
  } catch (error) {
    proxy_policy = { unavailable: messageOf(error) };
  }
  return { proxy_policy, browser_doh };
}

async function systemProxy(root: string, browsers: { browser: string; policies: BrowserPolicies }[], browserError: string | null): Promise<ProxyPolicy | Unavailable> {
  if (browserError) return { unavailable: `browser policies unreadable: ${browserError}` };
  const read: string[] = [];
  const enforced: { server: string | null; pac: string | null; where: string }[] = [];
  const unenforced: { server: string | null; pac: string | null; where: string }[] = [];
  for (const b of browsers) {
    read.push(`${b.browser} policy`);
    const p = b.policies.proxy;
    if (!p || (p.mode !== 'fixed' && p.mode !== 'pac')) continue;
    (p.locked ? enforced : unenforced).push({ server: p.server, pac: p.pac_url, where: `${b.browser} policy` });
  }
  // GNOME: dconf keyfiles of the system databases, locked keys cannot be changed by the user.
  for (const db of await listDir(root, 'etc/dconf/db', (n) => n.endsWith('.d'))) {
    read.push(`dconf ${db}`);
    let locked = false;
    for (const f of await listDir(root, `etc/dconf/db/${db}/locks`)) {
      const text = await readOptional(root, `etc/dconf/db/${db}/locks/${f}`);
      if (text !== null && dconfLocksProxy(text)) locked = true;
    }
    for (const f of await listDir(root, `etc/dconf/db/${db}`, (n) => n !== 'locks')) {
      const text = await readOptional(root, `etc/dconf/db/${db}/${f}`).catch(() => null);
      if (text === null) continue;
      const d = parseDconfKeyfile(text);
      if (d.mode === 'manual' && d.server) (locked ? enforced : unenforced).push({ server: d.server, pac: null, where: `dconf ${db}` });
      if (d.mode === 'auto' && d.pac_url) (locked ? enforced : unenforced).push({ server: null, pac: d.pac_url, where: `dconf ${db}` });
    }
  }
  const env = await readOptional(root, 'etc/environment');
  if (env !== null) {
    read.push('/etc/environment');
    const e = parseEnvironmentFile(env);
    if (e.http || e.https) unenforced.push({ server: e.https ?? e.http, pac: null, where: '/etc/environment' });
  }
  for (const f of await listDir(root, 'etc/apt/apt.conf.d')) {
    const text = await readOptional(root, `etc/apt/apt.conf.d/${f}`).catch(() => null);
    const apt = text === null ? null : parseAptProxy(text);
    if (apt) unenforced.push({ server: apt, pac: null, where: `apt ${f}` });
  }
  const chosen = enforced[0] ?? unenforced[0] ?? null;
  return {
    source: `${read.join(', ') || 'no browser policy, dconf or /etc/environment'}${chosen ? ` (proxy from ${chosen.where})` : ''}`.slice(0, 200),
    system_proxy: chosen?.server ?? null,
    pac_url: chosen?.pac ?? null,
    enforced_by_policy: chosen === null ? false : enforced.length > 0,
  };
}
