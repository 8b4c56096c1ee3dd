// WIFI-01: Wi-Fi radio off unless the role needs it.
//
// - `hardware_present: false` and no interface listed: not_applicable (there is no radio).
//   If interfaces are listed anyway, they are judged (the listing wins over the flag).
// - `wifi_required: true`: pass, the role needs Wi-Fi (WIFI-02..06 judge how it is used).
// - Otherwise each WLAN interface: up or radio on = fail; radio unknown = unknown; radio off = ok.
// - A WLAN device exists but no interface was listed: unknown (the tools saw nothing to judge).
import { Type } from 'typebox';
import { isUnavailable, type Report, type WifiInterface } from '../evidence.js';
import { defineRule, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';

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
  notApplicable(report: Report) {
    const wifi = report.wifi;
    if (!isUnavailable(wifi) && !wifi.hardware_present && wifi.interfaces.length === 0) {
      return {
        fr: `Aucun périphérique Wi-Fi n'est présent (${wifi.source}) : il n'y a pas de radio à couper.`,
        en: `No Wi-Fi device is present (${wifi.source}): there is no radio to turn off.`,
      };
    }
    return null;
  },
  check(report: Report, parameters): RuleOutcome {
    const wifi = report.wifi;
    if (isUnavailable(wifi)) throw new Error('WIFI-01 reached with an unavailable wifi section');
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
