// NET-05: listening services allowlisted per role.
//
// Every non-loopback listener must match an entry of `allowed_listeners` (port + protocol, and
// the bind address when the entry names one). Loopback listeners (127.0.0.0/8, ::1, and their
// IPv4-mapped forms) are ignored: they are not reachable from the network.
// Remote-control ports (VNC, TeamViewer, AnyDesk, RDP... from `remote_control_ports`) fail unless
// allowlisted; the explanation names the product.
// SSH (`ssh_port`, TCP) on Unix hosts (linux, darwin) must also be bound only to one of
// `admin_addresses`: a wildcard (0.0.0.0, ::) or any other address fails. When no admin address
// is declared the binding cannot be judged, so an allowlisted SSH listener gives `warn`
// ("declare admin_addresses"), never `pass`.
// The evidence has no firewall source scope, so "reachable only from admin sources" (WS ports
// 135/445/3389) cannot be observed: such listeners are judged by the allowlist alone.
import ipaddr from 'ipaddr.js';
import { Type } from 'typebox';
import { isUnavailable, type Listener, type Report } from '../evidence.js';
import { defineRule, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const strict = { additionalProperties: false } as const;

export const Net05Parameters = Type.Object(
  {
    remote_control_ports: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          ports: Type.Array(Port, { minItems: 1, maxItems: 64 }),
        },
        strict,
      ),
      { maxItems: 64 },
    ),
    allowed_listeners: Type.Array(
      Type.Object(
        {
          port: Port,
          protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
          /** Only this bind address is allowed; absent means any address. */
          bind: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        strict,
      ),
      { maxItems: 500 },
    ),
    /** Addresses of the administration interface(s) SSH may bind to. */
    admin_addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
    ssh_port: Port,
  },
  strict,
);

/** Canonical text of an IP address as the kernel/tools print it, or null when it is not one. */
export function canonicalListenerAddress(raw: string): string | null {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text === '*') return '*';
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // Kernel-printed addresses are plain dotted quads or IPv6; refuse shorthand IPv4 forms.
  if (ipaddr.IPv4.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  if (!ipaddr.isValid(text)) return null;
  return ipaddr.process(text).toString();
}

/** Loopback listeners are not reachable from the network and are ignored. */
export function isLoopback(raw: string): boolean {
  const canonical = canonicalListenerAddress(raw);
  if (canonical === null || canonical === '*') return false;
  return ipaddr.parse(canonical).range() === 'loopback';
}

function describe(listener: Listener): string {
  const address = listener.address.includes(':') && !listener.address.startsWith('[') ? `[${listener.address}]` : listener.address;
  const proc = listener.process ?? (listener.pid !== null ? `pid ${listener.pid}` : '?');
  return `${address}:${listener.port}/${listener.protocol} (${proc})`;
}

const UNIX_PLATFORMS = new Set(['linux', 'darwin']);

export const net05 = defineRule({
  id: 'NET-05',
  section: 'network',
  parameters: Net05Parameters,
  extraParameterErrors(parameters) {
    const bad = [
      ...parameters.admin_addresses,
      ...parameters.allowed_listeners.flatMap((l) => (l.bind !== undefined ? [l.bind] : [])),
    ].filter((a) => canonicalListenerAddress(a) === null);
    return bad.length > 0 ? [`not an IP address: ${bad.join(', ')}`] : [];
  },
  check(report: Report, parameters, context): RuleOutcome {
    void context;
    const threshold =
      'every non-loopback listener is in the role allowlist; remote-control ports only if allowlisted; ' +
      `SSH (${parameters.ssh_port}/tcp) on Unix bound only to admin addresses`;
    const network = report.network;
    if (isUnavailable(network)) throw new Error('NET-05 reached with an unavailable network section');
    if (isUnavailable(network.listeners)) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Les ports en écoute n'ont pas pu être observés : ${network.listeners.unavailable}`,
          en: `Listening sockets could not be observed: ${network.listeners.unavailable}`,
        },
        evidence: ['/network/listeners'],
        threshold,
      };
    }

    const admin = new Set(parameters.admin_addresses.map((a) => canonicalListenerAddress(a)));
    const remoteControl = new Map<number, string>();
    for (const product of parameters.remote_control_ports) for (const p of product.ports) remoteControl.set(p, product.name);
    const isUnix = UNIX_PLATFORMS.has(report.host.os.platform);

    const findings: Finding[] = [];
    let ignoredLoopback = 0;
    let accepted = 0;
    network.listeners.forEach((listener, index) => {
      const pointer = `/network/listeners/${index}`;
      if (isLoopback(listener.address)) {
        ignoredLoopback += 1;
        return;
      }
      const address = canonicalListenerAddress(listener.address);
      const allowed = parameters.allowed_listeners.some(
        (entry) =>
          entry.port === listener.port &&
          entry.protocol === listener.protocol &&
          (entry.bind === undefined || canonicalListenerAddress(entry.bind) === address),
      );
      const text = describe(listener);
      if (!allowed) {
        const product = remoteControl.get(listener.port);
        findings.push(
          product !== undefined
            ? {
                status: 'fail',
                pointer,
                fr: `${text} : port de prise en main à distance (${product}) non autorisé`,
                en: `${text}: remote-control port (${product}) not allowlisted`,
              }
            : {
                status: 'fail',
                pointer,
                fr: `${text} : absent de la liste blanche du rôle`,
                en: `${text}: not in the role's listener allowlist`,
              },
        );
        return;
      }
      if (isUnix && listener.protocol === 'tcp' && listener.port === parameters.ssh_port) {
        if (admin.size === 0) {
          findings.push({
            status: 'warn',
            pointer,
            fr: `${text} : SSH en écoute mais aucune adresse d'administration n'est déclarée (admin_addresses), liaison non vérifiable`,
            en: `${text}: SSH listens but no admin address is declared (admin_addresses), binding cannot be checked`,
          });
          return;
        }
        if (address === null || !admin.has(address)) {
          findings.push({
            status: 'fail',
            pointer,
            fr: `${text} : SSH lié à une adresse qui n'est pas une adresse d'administration (${parameters.admin_addresses.join(', ')})`,
            en: `${text}: SSH bound to an address that is not an admin address (${parameters.admin_addresses.join(', ')})`,
          });
          return;
        }
      }
      accepted += 1;
    });

    const status = worstStatus(findings.map((f) => f.status));
    const counts = {
      fr: `${accepted} écoute(s) conforme(s), ${ignoredLoopback} sur la boucle locale ignorée(s)`,
      en: `${accepted} compliant listener(s), ${ignoredLoopback} loopback listener(s) ignored`,
    };
    if (findings.length === 0) {
      return {
        status: 'pass',
        explanation: {
          fr: `Toutes les écoutes hors boucle locale sont autorisées pour le rôle : ${counts.fr}.`,
          en: `Every non-loopback listener is allowed for the role: ${counts.en}.`,
        },
        evidence: ['/network/listeners'],
        threshold,
      };
    }
    const listed = listFindings(findings);
    return {
      status,
      explanation: {
        fr: `${findings.length} écoute(s) non conforme(s) : ${listed.fr}. (${counts.fr}.)`,
        en: `${findings.length} non-compliant listener(s): ${listed.en}. (${counts.en}.)`,
      },
      evidence: findings.map((f) => f.pointer),
      threshold,
    };
  },
});
