// Wi-Fi rules: WIFI-01 first, then WIFI-02..06 (each with its own header below).
//
// WIFI-01: Wi-Fi radio off unless the role needs it.
//
// - `hardware_present: false` and no interface listed: not_applicable (there is no radio).
//   If interfaces are listed anyway, they are judged (the listing wins over the flag).
// - `wifi_required: true`: pass, the role needs Wi-Fi (WIFI-02..06 judge how it is used).
// - Otherwise each WLAN interface: up or radio on = fail; radio unknown = unknown; radio off = ok.
// - A WLAN device exists but no interface was listed: unknown (the tools saw nothing to judge).
import { Type } from 'typebox';
import { isUnavailable, type Report, type WifiEvidence, type WifiInterface, type WifiProfile } from '../evidence.js';
import type { Bilingual } from '../verdict.js';
import { defineRule, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { unavailableFinding } from './evidence-gaps.js';
import { outcomeOf } from './outcomes.js';

export const Wifi01Parameters = Type.Object(
  { wifi_required: Type.Boolean() },
  { additionalProperties: false },
);

function judge(iface: WifiInterface, pointer: string): Finding {
  const state = `radio ${iface.radio}, ${iface.oper_state}`;
  if (iface.oper_state === 'up' || iface.radio === 'on') {
    return {
      status: 'fail',
      pointer,
      fr: `${iface.name} (${state}) : interface Wi-Fi active alors que le rôle n'en a pas besoin`,
      en: `${iface.name} (${state}): Wi-Fi interface active although the role does not need it`,
    };
  }
  if (iface.radio === 'unknown') {
    return {
      status: 'unknown',
      pointer,
      fr: `${iface.name} (${state}) : état de la radio inconnu`,
      en: `${iface.name} (${state}): radio state unknown`,
    };
  }
  return {
    status: 'pass',
    pointer,
    fr: `${iface.name} (${state}) : radio coupée`,
    en: `${iface.name} (${state}): radio off`,
  };
}

export const wifi01 = defineRule({
  id: 'WIFI-01',
  section: 'wifi',
  parameters: Wifi01Parameters,
  notApplicable(report) {
    const wifi = report.wifi;
    if (!wifi.hardware_present && wifi.interfaces.length === 0) {
      return {
        fr: `Aucun périphérique Wi-Fi n'est présent (${wifi.source}) : il n'y a pas de radio à couper.`,
        en: `No Wi-Fi device is present (${wifi.source}): there is no radio to turn off.`,
      };
    }
    return null;
  },
  check(report, parameters): RuleOutcome {
    const wifi = report.wifi;
    const threshold = parameters.wifi_required
      ? 'wifi_required = true: the role needs Wi-Fi'
      : 'wifi_required = false: no WLAN interface up and no radio on';
    if (parameters.wifi_required) {
      return {
        status: 'pass',
        explanation: {
          fr: 'Le rôle de cet hôte requiert le Wi-Fi (wifi_required = true) ; son usage est jugé par les autres règles Wi-Fi.',
          en: 'This host role requires Wi-Fi (wifi_required = true); how it is used is judged by the other Wi-Fi rules.',
        },
        evidence: ['/wifi'],
        threshold,
      };
    }
    if (wifi.interfaces.length === 0) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Un périphérique Wi-Fi est présent mais aucune interface n'a été observée (${wifi.source}).`,
          en: `A Wi-Fi device is present but no interface was observed (${wifi.source}).`,
        },
        evidence: ['/wifi/hardware_present', '/wifi/interfaces'],
        threshold,
      };
    }
    const findings = wifi.interfaces.map((iface, i) => judge(iface, `/wifi/interfaces/${i}`));
    const status = worstStatus(findings.map((f) => f.status));
    const relevant = status === 'pass' ? findings : findings.filter((f) => f.status === status);
    const listed = listFindings(relevant);
    const lead =
      status === 'pass'
        ? { fr: 'Toutes les radios Wi-Fi sont coupées', en: 'Every Wi-Fi radio is off' }
        : status === 'fail'
          ? { fr: 'Wi-Fi actif sans besoin du rôle', en: 'Wi-Fi active although the role does not need it' }
          : { fr: "L'état d'une radio Wi-Fi n'a pas pu être établi", en: 'The state of a Wi-Fi radio could not be established' };
    return {
      status,
      explanation: { fr: `${lead.fr} : ${listed.fr}.`, en: `${lead.en}: ${listed.en}.` },
      evidence: relevant.map((f) => f.pointer),
      threshold,
    };
  },
});

// ================================================================ shared by WIFI-02..06

const strict = { additionalProperties: false } as const;

/** WIFI-02..05 do not apply when there is no radio and nothing saved that a radio would use. */
function noWifiAtAll(report: Report): Bilingual | null {
  const wifi = report.wifi;
  if (isUnavailable(wifi) || wifi.hardware_present || wifi.interfaces.length > 0) return null;
  if (Array.isArray(wifi.profiles) && wifi.profiles.length > 0) return null;
  return {
    fr: `Aucun périphérique Wi-Fi n'est présent (${wifi.source}) et aucun profil Wi-Fi enregistré n'est remonté.`,
    en: `No Wi-Fi device is present (${wifi.source}) and no saved Wi-Fi profile was reported.`,
  };
}

/** Security class of a key-management value, as NetworkManager, Windows (netsh) or macOS name it. */
export type AuthClass = 'open' | 'wep' | 'wpa1' | 'personal' | 'enterprise' | 'owe' | 'unrecognised';

const WPA1_NAMES = new Set(['wpa-personal', 'wpapsk', 'wpa1', 'wpa1-personal', 'wpa-enterprise', 'wpa1-enterprise', 'wpa']);

/**
 * Classifies key management. NetworkManager: `none` is static WEP, `ieee8021x` dynamic WEP,
 * `wpa-psk`/`sae` personal, `wpa-eap*` enterprise, `owe`. Windows: `WPA-Personal` and
 * `WPA-Enterprise` are WPA1 (WPA2 is spelt out). `proto` ("wpa" without "rsn") marks WPA1-only.
 */
export function classifyAuth(keyManagement: string, proto: string | null = null, cipher: string | null = null): AuthClass {
  const k = keyManagement.trim().toLowerCase().replace(/[\s_]+/g, '-');
  const wpa1Only = proto !== null && /\bwpa\b/i.test(proto) && !/rsn|wpa2|wpa3/i.test(proto);
  if (k === 'open' || k === '') return cipher !== null && /wep/i.test(cipher) ? 'wep' : 'open';
  if (k === 'none' || k === 'shared' || k === 'ieee8021x' || k.includes('wep')) return 'wep';
  if (k === 'owe' || k.includes('enhanced-open')) return 'owe';
  if (WPA1_NAMES.has(k)) return 'wpa1';
  if (/eap|802\.?1x|enterprise/.test(k)) return wpa1Only ? 'wpa1' : 'enterprise';
  if (/psk|sae|personal/.test(k)) return wpa1Only ? 'wpa1' : 'personal';
  return 'unrecognised';
}

/** Cipher class: CCMP/GCMP (AES) strong; any TKIP or WEP part weak. */
export function classifyCipher(cipher: string): 'strong' | 'tkip' | 'wep' | 'unrecognised' {
  const parts = cipher.toLowerCase().split(/[\s,;/+]+/).filter((p) => p !== '');
  if (parts.some((p) => p.includes('tkip'))) return 'tkip';
  if (parts.some((p) => p.includes('wep'))) return 'wep';
  if (parts.length > 0 && parts.every((p) => /^((ccmp|gcmp)(-?(128|256))?|aes(-ccmp)?)$/.test(p))) return 'strong';
  return 'unrecognised';
}

const AUTH_TEXT: Record<AuthClass, Bilingual> = {
  open: { fr: 'réseau ouvert', en: 'open network' },
  wep: { fr: 'WEP', en: 'WEP' },
  wpa1: { fr: 'WPA1', en: 'WPA1' },
  personal: { fr: 'WPA2/WPA3-Personnel', en: 'WPA2/WPA3-Personal' },
  enterprise: { fr: 'WPA2/WPA3-Entreprise', en: 'WPA2/WPA3-Enterprise' },
  owe: { fr: 'OWE (Enhanced Open)', en: 'OWE (Enhanced Open)' },
  unrecognised: { fr: 'sécurité non reconnue', en: 'unrecognised security' },
};

/** WPA1-only according to the last scan (e.g. nmcli "WPA1"), for the network in use. */
function scanSaysWpa1(wifi: WifiEvidence, ssid: string): boolean {
  const visible = wifi.visible_networks;
  if (visible === undefined || isUnavailable(visible)) return false;
  return visible.some((n) => n.in_use && n.ssid === ssid && n.security !== null && /wpa1/i.test(n.security) && !/wpa2|wpa3|rsn/i.test(n.security));
}

// ================================================================ WIFI-02: no open, WEP, WPA1 or TKIP networks
// Current association (each interface's connection): auth enterprise = ok; personal only when
// `personal_allowed` and the SSID is in `allowed_ssids`; OWE = `owe` (warn); open/WEP/WPA1 =
// fail; cipher must be CCMP/GCMP (TKIP/WEP fail; unreported = unknown).
// Saved profiles: auth open/WEP/WPA1 or a TKIP/WEP cipher = fail; OWE = `owe`. A profile's null
// key management means an open network (NetworkManager has no security section then).

export const Wifi02Parameters = Type.Object(
  {
    personal_allowed: Type.Boolean(),
    /** SSIDs (exact, case-sensitive) on which WPA2/WPA3-Personal is accepted when personal_allowed. */
    allowed_ssids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 }),
    owe: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  },
  strict,
);

export const wifi02 = defineFindingsRule({
  id: 'WIFI-02',
  section: 'wifi',
  parameters: Wifi02Parameters,
  notApplicable: noWifiAtAll,
  threshold: (parameters) =>
    'current connection: WPA2/WPA3-Enterprise' +
    (parameters.personal_allowed ? `, or WPA2/WPA3-Personal on ${parameters.allowed_ssids.join(', ') || '(no SSID listed)'}` : '') +
    `, cipher CCMP/GCMP; saved profiles: no open, WEP, WPA1 or TKIP; OWE = ${parameters.owe}`,
  passed: {
    text: { fr: 'Aucun réseau ouvert, WEP, WPA1 ou TKIP :', en: 'No open, WEP, WPA1 or TKIP network:' },
    evidence: ['/wifi/interfaces', '/wifi/profiles'],
  },
  check(report, parameters) {
    const wifi = report.wifi;
    const findings: Finding[] = [];
    let associated = 0;
    wifi.interfaces.forEach((iface, i) => {
      const c = iface.connection;
      if (c === null) return;
      associated += 1;
      const pointer = `/wifi/interfaces/${i}/connection`;
      const who = `${iface.name} → « ${c.ssid} »`;
      const whoEn = `${iface.name} → "${c.ssid}"`;
      if (c.key_management === null) {
        findings.push({ status: 'unknown', pointer: `${pointer}/key_management`, fr: `${who} : méthode d'authentification non remontée`, en: `${whoEn}: authentication method not reported` });
      } else {
        let cls = classifyAuth(c.key_management, null, c.cipher);
        if ((cls === 'personal' || cls === 'enterprise') && scanSaysWpa1(wifi, c.ssid)) cls = 'wpa1';
        const t = AUTH_TEXT[cls];
        const at = `${pointer}/key_management`;
        if (cls === 'enterprise') findings.push({ status: 'pass', pointer: at, fr: `${who} : ${t.fr}`, en: `${whoEn}: ${t.en}` });
        else if (cls === 'personal') {
          const ok = parameters.personal_allowed && parameters.allowed_ssids.includes(c.ssid);
          findings.push(
            ok
              ? { status: 'pass', pointer: at, fr: `${who} : ${t.fr} autorisé pour ce SSID`, en: `${whoEn}: ${t.en} allowed for this SSID` }
              : {
                  status: 'fail',
                  pointer: at,
                  fr: `${who} : ${t.fr} (${c.key_management}) alors que ${parameters.personal_allowed ? "ce SSID n'est pas autorisé" : 'le rôle ne le permet pas'}`,
                  en: `${whoEn}: ${t.en} (${c.key_management}) although ${parameters.personal_allowed ? 'this SSID is not allowlisted' : 'the role does not permit it'}`,
                },
          );
        } else if (cls === 'owe') findings.push({ status: parameters.owe, pointer: at, fr: `${who} : ${t.fr}, sans authentification du réseau`, en: `${whoEn}: ${t.en}, the network is not authenticated` });
        else if (cls === 'unrecognised') findings.push({ status: 'unknown', pointer: at, fr: `${who} : méthode « ${c.key_management} » non reconnue`, en: `${whoEn}: unrecognised method "${c.key_management}"` });
        else findings.push({ status: 'fail', pointer: at, fr: `${who} : connecté à un réseau de sécurité insuffisante, ${t.fr} (${c.key_management})`, en: `${whoEn}: connected to an insufficiently secured network, ${t.en} (${c.key_management})` });
      }
      const cipherAt = `${pointer}/cipher`;
      if (c.cipher === null) {
        findings.push({ status: 'unknown', pointer: cipherAt, fr: `${who} : chiffrement non remonté`, en: `${whoEn}: cipher not reported` });
      } else {
        const cc = classifyCipher(c.cipher);
        if (cc === 'tkip' || cc === 'wep') findings.push({ status: 'fail', pointer: cipherAt, fr: `${who} : chiffrement ${c.cipher}`, en: `${whoEn}: cipher ${c.cipher}` });
        else if (cc === 'unrecognised') findings.push({ status: 'unknown', pointer: cipherAt, fr: `${who} : chiffrement « ${c.cipher} » non reconnu`, en: `${whoEn}: unrecognised cipher "${c.cipher}"` });
      }
    });

    const profiles = wifi.profiles;
    let goodProfiles = 0;
    if (profiles === undefined || isUnavailable(profiles)) {
      findings.push(unavailableFinding('/wifi/profiles', { fr: 'Profils Wi-Fi enregistrés', en: 'Saved Wi-Fi profiles' }, profiles));
    } else {
      profiles.forEach((p, i) => {
        const pointer = `/wifi/profiles/${i}`;
        const cls = p.key_management === null ? 'open' : classifyAuth(p.key_management, p.proto ?? null, p.cipher);
        const t = AUTH_TEXT[cls];
        const what = { fr: `profil « ${p.ssid} »`, en: `profile "${p.ssid}"` };
        const before = findings.length;
        if (cls === 'open' || cls === 'wep' || cls === 'wpa1') {
          findings.push({ status: 'fail', pointer, fr: `${what.fr} : ${t.fr} (${p.key_management ?? 'aucune sécurité'})`, en: `${what.en}: ${t.en} (${p.key_management ?? 'no security'})` });
        } else if (cls === 'owe') {
          findings.push({ status: parameters.owe, pointer, fr: `${what.fr} : ${t.fr}`, en: `${what.en}: ${t.en}` });
        } else if (cls === 'unrecognised') {
          findings.push({ status: 'unknown', pointer, fr: `${what.fr} : méthode « ${p.key_management} » non reconnue`, en: `${what.en}: unrecognised method "${p.key_management}"` });
        }
        if (p.cipher !== null) {
          const cc = classifyCipher(p.cipher);
          if (cc === 'tkip' || cc === 'wep') findings.push({ status: 'fail', pointer, fr: `${what.fr} : chiffrement ${p.cipher} autorisé`, en: `${what.en}: cipher ${p.cipher} allowed` });
          else if (cc === 'unrecognised') findings.push({ status: 'unknown', pointer, fr: `${what.fr} : chiffrement « ${p.cipher} » non reconnu`, en: `${what.en}: unrecognised cipher "${p.cipher}"` });
        }
        if (findings.length === before) goodProfiles += 1;
      });
    }
    findings.push({
      status: 'pass',
      pointer: '/wifi/interfaces',
      fr: `${associated} association(s) en cours, ${goodProfiles} profil(s) enregistré(s) conforme(s)`,
      en: `${associated} current association(s), ${goodProfiles} compliant saved profile(s)`,
    });
    return findings;
  },
});

// ================================================================ WIFI-03: 802.1X with server-certificate validation
// For each 802.1X profile: EAP-TLS with validation and a pinned CA = pass; PEAP/TTLS with
// validation, pinned CA and a server name constraint = `tunnelled_methods` (warn); validation
// off, or only the system CA store (not pinned) = fail; PEAP/TTLS without a server name = fail
// (the tolerated fallback requires it); other methods (LEAP, MD5...) = fail. Pinned CA = a CA
// certificate is configured and the system store is not also trusted. No 802.1X profile =
// not_applicable.

export const Wifi03Parameters = Type.Object(
  { tunnelled_methods: Type.Union([Type.Literal('warn'), Type.Literal('fail')]) },
  strict,
);

function judgeEap(p: WifiProfile, pointer: string, tunnelled: 'warn' | 'fail'): Finding {
  const eap = p.eap;
  const name = { fr: `profil « ${p.ssid} »`, en: `profile "${p.ssid}"` };
  if (eap === null) throw new Error('judgeEap called on a non-802.1X profile');
  const methods = eap.methods.map((m) => m.toLowerCase());
  const shown = eap.methods.join('+') || '?';
  if (methods.length === 0) return { status: 'unknown', pointer, fr: `${name.fr} : méthode EAP non remontée`, en: `${name.en}: EAP method not reported` };
  const validated = eap.ca_configured || eap.system_ca === true;
  if (!validated) {
    return { status: 'fail', pointer, fr: `${name.fr} (${shown}) : certificat du serveur RADIUS non vérifié`, en: `${name.en} (${shown}): RADIUS server certificate not validated` };
  }
  if (!eap.ca_configured || eap.system_ca === true) {
    return { status: 'fail', pointer, fr: `${name.fr} (${shown}) : magasin d'AC système accepté, aucune AC épinglée`, en: `${name.en} (${shown}): system CA store accepted, no pinned CA` };
  }
  if (methods.every((m) => m === 'tls')) {
    return { status: 'pass', pointer, fr: `${name.fr} : EAP-TLS, AC épinglée`, en: `${name.en}: EAP-TLS, pinned CA` };
  }
  if (methods.every((m) => m === 'tls' || m === 'peap' || m === 'ttls')) {
    if (eap.server_name === null) {
      return { status: 'fail', pointer, fr: `${name.fr} (${shown}/${eap.phase2 ?? '?'}) : aucun nom de serveur imposé`, en: `${name.en} (${shown}/${eap.phase2 ?? '?'}): no server name constraint` };
    }
    return {
      status: tunnelled,
      pointer,
      fr: `${name.fr} (${shown}/${eap.phase2 ?? '?'}) : AC épinglée et nom de serveur ${eap.server_name}, repli toléré (EAP-TLS attendu)`,
      en: `${name.en} (${shown}/${eap.phase2 ?? '?'}): pinned CA and server name ${eap.server_name}, tolerated fallback (EAP-TLS expected)`,
    };
  }
  return { status: 'fail', pointer, fr: `${name.fr} : méthode ${shown} hors de TLS/PEAP/TTLS`, en: `${name.en}: method ${shown} is not TLS/PEAP/TTLS` };
}

export const wifi03 = defineRule({
  id: 'WIFI-03',
  section: 'wifi',
  parameters: Wifi03Parameters,
  notApplicable: noWifiAtAll,
  check(report, parameters): RuleOutcome {
    const wifi = report.wifi;
    const threshold = `802.1X profiles: EAP-TLS with a pinned CA = pass; PEAP/TTLS with pinned CA and server name = ${parameters.tunnelled_methods}; no validation or no pinned CA = fail`;
    const profiles = wifi.profiles;
    if (profiles === undefined || isUnavailable(profiles)) {
      return outcomeOf([unavailableFinding('/wifi/profiles', { fr: 'Profils Wi-Fi enregistrés', en: 'Saved Wi-Fi profiles' }, profiles)], threshold, { fr: '', en: '' }, ['/wifi/profiles']);
    }
    const enterprise = profiles.map((p, i) => ({ p, i })).filter(({ p }) => p.eap !== null);
    if (enterprise.length === 0) {
      return {
        status: 'not_applicable',
        explanation: {
          fr: `Aucun profil 802.1X parmi les ${profiles.length} profil(s) Wi-Fi enregistré(s).`,
          en: `No 802.1X profile among the ${profiles.length} saved Wi-Fi profile(s).`,
        },
        evidence: ['/wifi/profiles'],
        threshold,
      };
    }
    const findings = enterprise.map(({ p, i }) => judgeEap(p, `/wifi/profiles/${i}/eap`, parameters.tunnelled_methods));
    return outcomeOf(findings, threshold, { fr: 'Profils 802.1X validant le serveur :', en: '802.1X profiles validating the server:' }, enterprise.map(({ i }) => `/wifi/profiles/${i}/eap`));
  },
});

// ================================================================ WIFI-04: auto-connect only to allowlisted SSIDs

export const Wifi04Parameters = Type.Object(
  { allowed_ssids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 }) },
  strict,
);

export const wifi04 = defineFindingsRule({
  id: 'WIFI-04',
  section: 'wifi',
  parameters: Wifi04Parameters,
  notApplicable: noWifiAtAll,
  threshold: (parameters) => `every saved profile with autoconnect = true has its SSID (exact match) in: ${parameters.allowed_ssids.join(', ') || '(empty list)'}`,
  passed: {
    text: { fr: 'Connexion automatique limitée aux SSID autorisés :', en: 'Auto-connect limited to allowlisted SSIDs:' },
    evidence: ['/wifi/profiles'],
  },
  check(report, parameters, context, threshold) {
    const wifi = report.wifi;
    const profiles = wifi.profiles;
    if (profiles === undefined || isUnavailable(profiles)) {
      return [unavailableFinding('/wifi/profiles', { fr: 'Profils Wi-Fi enregistrés', en: 'Saved Wi-Fi profiles' }, profiles)];
    }
    const allowed = new Set(parameters.allowed_ssids);
    const findings: Finding[] = [];
    let auto = 0;
    profiles.forEach((p, i) => {
      if (!p.autoconnect) return;
      auto += 1;
      if (!allowed.has(p.ssid)) {
        findings.push({
          status: 'fail',
          pointer: `/wifi/profiles/${i}/autoconnect`,
          fr: `profil « ${p.ssid} » en connexion automatique, SSID hors liste autorisée`,
          en: `profile "${p.ssid}" auto-connects, SSID not allowlisted`,
        });
      }
    });
    findings.push({
      status: 'pass',
      pointer: '/wifi/profiles',
      fr: `${auto} profil(s) en connexion automatique sur ${profiles.length}`,
      en: `${auto} auto-connect profile(s) out of ${profiles.length}`,
    });
    return findings;
  },
});

// ================================================================ WIFI-05: no hotspot, AP or ad-hoc mode
// Fail: an interface in AP/IBSS/P2P-GO mode; hotspot active or an AP daemon running; a saved
// AP/IBSS/P2P-GO profile set to autostart. An active interface whose mode is unknown = unknown.
// Hotspot state not reported: on Linux the kernel interface type covers hostapd and
// NetworkManager hotspots (an AP needs an interface in AP mode), elsewhere it is unknown.

export const Wifi05Parameters = Type.Object({}, strict);
const AP_MODES = new Set<WifiInterface['mode']>(['ap', 'ibss', 'p2p-go']);

export const wifi05 = defineFindingsRule({
  id: 'WIFI-05',
  section: 'wifi',
  parameters: Wifi05Parameters,
  notApplicable: noWifiAtAll,
  threshold: () => 'no interface in AP/IBSS/P2P-GO mode; hotspot off, no AP daemon; no AP/ad-hoc profile set to autostart',
  passed: {
    text: { fr: 'Aucun point d\'accès, hotspot ou mode ad hoc :', en: 'No access point, hotspot or ad-hoc mode:' },
    evidence: ['/wifi/interfaces', '/wifi/hotspot', '/wifi/profiles'],
  },
  check(report) {
    const wifi = report.wifi;
    const findings: Finding[] = [];
    wifi.interfaces.forEach((iface, i) => {
      const pointer = `/wifi/interfaces/${i}/mode`;
      if (AP_MODES.has(iface.mode)) {
        findings.push({ status: 'fail', pointer, fr: `${iface.name} en mode ${iface.mode} (point d'accès / ad hoc)`, en: `${iface.name} in ${iface.mode} mode (access point / ad hoc)` });
      } else if (iface.mode === 'unknown' && (iface.oper_state !== 'down' || iface.radio !== 'off')) {
        findings.push({ status: 'unknown', pointer, fr: `${iface.name} (radio ${iface.radio}, ${iface.oper_state}) : mode inconnu`, en: `${iface.name} (radio ${iface.radio}, ${iface.oper_state}): mode unknown` });
      }
    });
    const hotspot = wifi.hotspot;
    if (hotspot === undefined || isUnavailable(hotspot)) {
      if (!(hotspot === undefined && report.host.os.platform === 'linux')) {
        findings.push(unavailableFinding('/wifi/hotspot', { fr: 'État du partage de connexion (hotspot)', en: 'Hotspot state' }, hotspot));
      }
    } else {
      if (hotspot.hotspot_active === true) findings.push({ status: 'fail', pointer: '/wifi/hotspot/hotspot_active', fr: 'point d\'accès mobile (hotspot) actif', en: 'mobile hotspot active' });
      else if (hotspot.hotspot_active === null) findings.push({ status: 'unknown', pointer: '/wifi/hotspot/hotspot_active', fr: 'état du hotspot inconnu', en: 'hotspot state unknown' });
      if (hotspot.ap_daemon_running === true) findings.push({ status: 'fail', pointer: '/wifi/hotspot/ap_daemon_running', fr: 'démon de point d\'accès (hostapd) en cours d\'exécution', en: 'access-point daemon (hostapd) running' });
      else if (hotspot.ap_daemon_running === null && report.host.os.platform === 'linux') {
        findings.push({ status: 'unknown', pointer: '/wifi/hotspot/ap_daemon_running', fr: 'présence d\'un démon de point d\'accès inconnue', en: 'whether an access-point daemon runs is unknown' });
      }
    }
    const profiles = wifi.profiles;
    if (profiles === undefined || isUnavailable(profiles)) {
      findings.push(unavailableFinding('/wifi/profiles', { fr: 'Profils Wi-Fi enregistrés (démarrage automatique)', en: 'Saved Wi-Fi profiles (autostart)' }, profiles));
    } else {
      profiles.forEach((p, i) => {
        if (AP_MODES.has(p.mode) && p.autoconnect) {
          findings.push({ status: 'fail', pointer: `/wifi/profiles/${i}`, fr: `profil « ${p.ssid} » en mode ${p.mode} démarré automatiquement`, en: `profile "${p.ssid}" in ${p.mode} mode starts automatically` });
        }
      });
    }
    findings.push({ status: 'pass', pointer: '/wifi/interfaces', fr: `${wifi.interfaces.length} interface(s) Wi-Fi examinée(s)`, en: `${wifi.interfaces.length} Wi-Fi interface(s) examined` });
    return findings;
  },
});

// ================================================================ WIFI-06: no bridging between Wi-Fi and the internal LAN
// Fail: a wired interface up while Wi-Fi is associated to a non-enterprise SSID; IP forwarding
// on (IPv4 or IPv6); a bridge (always when it has a Wi-Fi member, otherwise unless its name is in
// `allowed_bridges`); Windows Internet Connection Sharing on. `routing_allowed: true` (a host
// whose role is to route) lifts the forwarding/bridge/ICS checks. Unreported evidence = unknown
// (ICS only matters on Windows).

export const Wifi06Parameters = Type.Object(
  {
    routing_allowed: Type.Boolean(),
    allowed_bridges: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }),
  },
  strict,
);

export const wifi06 = defineFindingsRule({
  id: 'WIFI-06',
  section: 'wifi',
  parameters: Wifi06Parameters,
  notApplicable: noWifiAtAll,
  threshold: (parameters) =>
    'not (wired interface up and Wi-Fi associated to a non-enterprise SSID)' +
    (parameters.routing_allowed ? '; routing allowed for this role' : '; IP forwarding, ICS and bridges off') +
    (parameters.allowed_bridges.length > 0 ? ` (bridges allowed: ${parameters.allowed_bridges.join(', ')})` : ''),
  passed: {
    text: { fr: 'Aucun pont entre le Wi-Fi et le réseau interne :', en: 'No bridge between Wi-Fi and the internal network:' },
    evidence: ['/wifi/interfaces', '/wifi/wired_interfaces', '/wifi/ip_forwarding', '/wifi/bridges'],
  },
  check(report, parameters) {
    const wifi = report.wifi;
    const findings: Finding[] = [];
    const wlanNames = new Set(wifi.interfaces.map((i) => i.name));

    // 1. Wired up + Wi-Fi on a non-enterprise SSID.
    const risky: { text: Bilingual; pointer: string; unknown: boolean }[] = [];
    wifi.interfaces.forEach((iface, i) => {
      const c = iface.connection;
      if (c === null) return;
      const pointer = `/wifi/interfaces/${i}/connection`;
      if (c.key_management === null) {
        risky.push({ text: { fr: `${iface.name} → « ${c.ssid} » (sécurité non remontée)`, en: `${iface.name} → "${c.ssid}" (security not reported)` }, pointer, unknown: true });
      } else if (classifyAuth(c.key_management) !== 'enterprise') {
        risky.push({ text: { fr: `${iface.name} → « ${c.ssid} » (${c.key_management})`, en: `${iface.name} → "${c.ssid}" (${c.key_management})` }, pointer, unknown: false });
      }
    });
    if (risky.length > 0) {
      const wired = wifi.wired_interfaces;
      if (wired === undefined || isUnavailable(wired)) {
        findings.push(unavailableFinding('/wifi/wired_interfaces', { fr: 'État des interfaces filaires', en: 'Wired interface state' }, wired));
      } else {
        const up = wired.map((w, i) => ({ w, i })).filter(({ w }) => w.oper_state === 'up');
        const unknownWired = wired.map((w, i) => ({ w, i })).filter(({ w }) => w.oper_state === 'unknown');
        for (const r of risky) {
          if (up.length > 0) {
            const names = up.map(({ w }) => w.name).join(', ');
            findings.push({
              status: r.unknown ? 'unknown' : 'fail',
              pointer: r.pointer,
              fr: `${r.text.fr} alors que le réseau filaire est actif (${names})${r.unknown ? ' : pont possible' : ' : pont entre un Wi-Fi non entreprise et le réseau interne'}`,
              en: `${r.text.en} while the wired network is up (${names})${r.unknown ? ': possible bridge' : ': bridge between a non-enterprise Wi-Fi and the internal network'}`,
            });
          } else if (unknownWired.length > 0) {
            findings.push({ status: 'unknown', pointer: `/wifi/wired_interfaces/${unknownWired[0]?.i ?? 0}`, fr: `${r.text.fr} ; état du lien filaire inconnu`, en: `${r.text.en}; wired link state unknown` });
          }
        }
      }
    }

    // 2. Forwarding, bridges, ICS.
    if (!parameters.routing_allowed) {
      const fwd = wifi.ip_forwarding;
      if (fwd === undefined || isUnavailable(fwd)) {
        findings.push(unavailableFinding('/wifi/ip_forwarding', { fr: 'Routage IP', en: 'IP forwarding' }, fwd));
      } else {
        if (fwd.ipv4) findings.push({ status: 'fail', pointer: '/wifi/ip_forwarding/ipv4', fr: 'routage IPv4 activé', en: 'IPv4 forwarding on' });
        if (fwd.ipv6 === true) findings.push({ status: 'fail', pointer: '/wifi/ip_forwarding/ipv6', fr: 'routage IPv6 activé', en: 'IPv6 forwarding on' });
      }
      const bridges = wifi.bridges;
      if (bridges === undefined || isUnavailable(bridges)) {
        findings.push(unavailableFinding('/wifi/bridges', { fr: 'Ponts réseau', en: 'Network bridges' }, bridges));
      } else {
        bridges.forEach((b, i) => {
          const wlanMember = b.members.find((m) => wlanNames.has(m));
          if (wlanMember !== undefined) {
            findings.push({ status: 'fail', pointer: `/wifi/bridges/${i}`, fr: `pont ${b.name} incluant l'interface Wi-Fi ${wlanMember}`, en: `bridge ${b.name} includes the Wi-Fi interface ${wlanMember}` });
          } else if (!parameters.allowed_bridges.includes(b.name)) {
            findings.push({ status: 'fail', pointer: `/wifi/bridges/${i}`, fr: `pont ${b.name} (${b.members.join(', ') || 'sans membre'}) non autorisé`, en: `bridge ${b.name} (${b.members.join(', ') || 'no member'}) not allowed` });
          }
        });
      }
      const ics = wifi.connection_sharing;
      if (ics === undefined || isUnavailable(ics)) {
        if (report.host.os.platform === 'windows') findings.push(unavailableFinding('/wifi/connection_sharing', { fr: 'Partage de connexion Internet (ICS)', en: 'Internet Connection Sharing' }, ics));
      } else if (ics.enabled) {
        findings.push({ status: 'fail', pointer: '/wifi/connection_sharing/enabled', fr: 'partage de connexion Internet (ICS) activé', en: 'Internet Connection Sharing on' });
      }
    }
    findings.push({ status: 'pass', pointer: '/wifi', fr: `${risky.length} association(s) Wi-Fi non entreprise`, en: `${risky.length} non-enterprise Wi-Fi association(s)` });
    return findings;
  },
});
