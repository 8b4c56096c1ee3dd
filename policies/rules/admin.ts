// ADM-01: no Internet from admin workstations.
//
// - Every observed destination outside the internal ranges fails, unless an egress allowlist
//   entry for role admin-workstation declares it (an update relay of the IS); the catalogue
//   allows nothing else.
// - An egress probe that the server expected to be blocked but was reachable fails.
// - A configured proxy (system, PAC or environment) may carry Internet traffic the flow table
//   only shows as traffic to the proxy: `configured_proxy` (warn by default: check that the
//   proxy refuses the admin role; set it to pass once verified).
// - With nothing wrong, a window shorter than `min_window_hours` (inclusive) gives unknown.
import { Type } from 'typebox';
import { isUnavailable } from '../evidence.js';
import type { Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { judgeExternalEndpoints, observedOutbound } from './flows.js';

export const Adm01Parameters = Type.Object(
  {
    min_window_hours: Type.Number({ minimum: 0, maximum: 24 * 31 }),
    configured_proxy: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  },
  { additionalProperties: false },
);

export const adm01 = defineFindingsRule({
  id: 'ADM-01',
  section: 'network',
  parameters: Adm01Parameters,
  threshold: (parameters, context) =>
    `zero destinations outside ${context.internalNetworks.networks.join(', ')} except allowlisted update relays; no "blocked" probe reachable; ` +
    `configured proxy = ${parameters.configured_proxy}; observation window >= ${parameters.min_window_hours} h`,
  passed: {
    text: { fr: 'Aucune destination Internet depuis ce poste d\'administration :', en: 'No Internet destination from this admin workstation:' },
    evidence: ['/network/outbound', '/network/egress_probes', '/network/proxy_dns/env_proxy'],
  },
  check(report, parameters, context) {
    const network = report.network;
    const findings: Finding[] = [];

    const outbound = observedOutbound(network.outbound, parameters.min_window_hours, findings);
    if (outbound !== null) {
      const endpoints = judgeExternalEndpoints(outbound.flows, context, (text, reason) => ({
        fr: `${text} : destination Internet depuis un poste d'administration (${reason})`,
        en: `${text}: Internet destination from an admin workstation (${reason})`,
      }));
      findings.push(...endpoints.findings);
      const relays = [...endpoints.allowedBy.values()].reduce((sum, n) => sum + n, 0);
      findings.push({
        status: 'pass',
        pointer: '/network/outbound/flows',
        fr: `${outbound.flows.length} flux observés, ${relays} destination(s) externe(s) déclarée(s) comme relais`,
        en: `${outbound.flows.length} flows observed, ${relays} external destination(s) declared as relays`,
      });
    }

    const probes = network.egress_probes;
    if (!isUnavailable(probes)) {
      probes.forEach((probe, i) => {
        if (probe.expectation === 'blocked' && probe.outcome === 'reachable') {
          findings.push({
            status: 'fail',
            pointer: `/network/egress_probes/${i}`,
            fr: `sonde ${probe.target} : joignable alors qu'elle doit être bloquée`,
            en: `probe ${probe.target}: reachable although it must be blocked`,
          });
        }
      });
    }

    const proxies: string[] = [];
    const policy = network.proxy_policy;
    if (policy !== undefined && !isUnavailable(policy)) {
      if (policy.system_proxy) proxies.push(policy.system_proxy);
      if (policy.pac_url) proxies.push(policy.pac_url);
    }
    if (!isUnavailable(network.proxy_dns)) {
      const env = network.proxy_dns.env_proxy;
      for (const value of [env.http, env.https]) if (value && !proxies.includes(value)) proxies.push(value);
    }
    if (proxies.length > 0 && parameters.configured_proxy !== 'pass') {
      findings.push({
        status: parameters.configured_proxy,
        pointer: policy !== undefined && !isUnavailable(policy) ? '/network/proxy_policy' : '/network/proxy_dns/env_proxy',
        fr: `proxy configuré (${proxies.join(', ')}) : Internet peut être joint à travers lui ; vérifier qu'il refuse le rôle administration`,
        en: `proxy configured (${proxies.join(', ')}): the Internet may be reached through it; check that it refuses the admin role`,
      });
    }
    return findings;
  },
});
