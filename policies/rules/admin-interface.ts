// ADM-02: admin services (sshd, RDP, WinRM) bound only to admin-network addresses when an admin
// network exists (`admin_addresses` declared; none declared = warn), and IP forwarding off.
import { Type } from 'typebox';
import { isUnavailable } from '../evidence.js';
import { canonicalListenerAddress, isLoopback } from './addresses.js';
import type { Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';

export const Adm02Parameters = Type.Object(
  {
    admin_ports: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 32 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, { additionalProperties: false }), { maxItems: 16 }),
    /** Addresses of this host on the admin network; empty = no admin network declared. */
    admin_addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
  },
  { additionalProperties: false },
);

export const adm02 = defineFindingsRule({
  id: 'ADM-02',
  section: 'network',
  parameters: Adm02Parameters,
  threshold: (p) => `${p.admin_ports.map((a) => `${a.name} ${a.port}`).join(', ')} bound only to ${p.admin_addresses.join(', ') || 'the admin addresses (none declared)'}; IP forwarding off`,
  leads: {
    pass: ["Administration sur l'interface dédiée, pas de routage", 'Administration on the dedicated interface, no routing'],
    warn: ["Interface d'administration à déclarer", 'Admin interface to be declared'],
    unknown: ["Interface d'administration ou routage non établis", 'Admin binding or routing not established'],
    fail: ["Service d'administration exposé ou routage actif", 'Admin service exposed or routing on'],
  },
  check(report, p) {
    const findings: Finding[] = [];
    const listeners = report.network.listeners;
    const allowed = new Set(p.admin_addresses.map((a) => canonicalListenerAddress(a) ?? a));
    if (isUnavailable(listeners)) findings.push({ status: 'unknown', pointer: '/network/listeners', fr: `services en écoute non lus (${listeners.unavailable})`, en: `listeners not read (${listeners.unavailable})` });
    else {
      listeners.forEach((l, i) => {
        const admin = p.admin_ports.find((a) => a.port === l.port && l.protocol === 'tcp');
        if (!admin || isLoopback(l.address)) return;
        const pointer = `/network/listeners/${i}`;
        const where = `${admin.name} sur ${l.address}:${l.port}`;
        const whereEn = `${admin.name} on ${l.address}:${l.port}`;
        if (p.admin_addresses.length === 0) findings.push({ status: 'warn', pointer, fr: `${where} : aucune adresse d'administration déclarée (admin_addresses)`, en: `${whereEn}: no admin address declared (admin_addresses)` });
        else if (allowed.has(canonicalListenerAddress(l.address) ?? l.address)) findings.push({ status: 'pass', pointer, fr: `${where} : adresse d'administration`, en: `${whereEn}: admin address` });
        else findings.push({ status: 'fail', pointer, fr: `${where} : hors réseau d'administration`, en: `${whereEn}: outside the admin network` });
      });
    }
    const wifi = report.wifi;
    const forwarding = isUnavailable(wifi) ? wifi : wifi.ip_forwarding;
    if (forwarding === undefined) findings.push({ status: 'unknown', pointer: '/wifi/ip_forwarding', fr: 'routage IP non rapporté par cet agent', en: 'IP forwarding not reported by this agent' });
    else if (isUnavailable(forwarding)) findings.push({ status: 'unknown', pointer: '/wifi/ip_forwarding', fr: `routage IP non observable (${forwarding.unavailable})`, en: `IP forwarding not observable (${forwarding.unavailable})` });
    else if (forwarding.ipv4 || forwarding.ipv6 === true) findings.push({ status: 'fail', pointer: '/wifi/ip_forwarding', fr: `routage IP actif (${forwarding.ipv4 ? 'IPv4' : 'IPv6'})`, en: `IP forwarding on (${forwarding.ipv4 ? 'IPv4' : 'IPv6'})` });
    else if (forwarding.ipv6 === null) findings.push({ status: 'unknown', pointer: '/wifi/ip_forwarding/ipv6', fr: 'routage IPv6 inconnu', en: 'IPv6 forwarding unknown' });
    else findings.push({ status: 'pass', pointer: '/wifi/ip_forwarding', fr: 'routage IP désactivé', en: 'IP forwarding off' });
    return findings;
  },
});
