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
import { defineRule, type Finding, type RuleOutcome } from './rule.js';
import { isInternal } from './addresses.js';
import { unavailableFinding } from './evidence-gaps.js';
import { describeEndpoint, distinctEndpoints, matchFlow, shortWindow } from './flows.js';
import { outcomeOf } from './outcomes.js';

export const Adm01Parameters = Type.Object(
  {
    min_window_hours: Type.Number({ minimum: 0, maximum: 24 * 31 }),
    configured_proxy: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  },
  { additionalProperties: false },
);

export const adm01 = defineRule({
  id: 'ADM-01',
  section: 'network',
  parameters: Adm01Parameters,
  check(report, parameters, context): RuleOutcome {
    const network = report.network;
    const threshold =
      `zero destinations outside ${context.internalNetworks.networks.join(', ')} except allowlisted update relays; no "blocked" probe reachable; ` +
      `configured proxy = ${parameters.configured_proxy}; observation window >= ${parameters.min_window_hours} h`;
    const findings: Finding[] = [];

    const outbound = network.outbound;
    if (isUnavailable(outbound)) {
      findings.push(unavailableFinding('/network/outbound', { fr: 'Flux sortants', en: 'Outbound flows' }, outbound));
    } else {
      const short = shortWindow(outbound, parameters.min_window_hours);
      if (short) findings.push(short);
      let relays = 0;
      for (const endpoint of distinctEndpoints(outbound.flows, context)) {
        const { flow, index, ip } = endpoint;
        const pointer = `/network/outbound/flows/${index}`;
        if (ip === null) {
          const text = describeEndpoint(endpoint);
          findings.push({ status: 'unknown', pointer, fr: `${text} : adresse distante illisible`, en: `${text}: unreadable remote address` });
          continue;
        }
        if (isInternal(ip, context)) continue;
        const match = matchFlow(flow, context);
        if (match.entry) {
          relays += 1;
          continue;
        }
        const text = describeEndpoint(endpoint);
        findings.push({
          status: 'fail',
          pointer,
          fr: `${text} : destination Internet depuis un poste d'administration (${match.reason})`,
          en: `${text}: Internet destination from an admin workstation (${match.reason})`,
        });
      }
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
    return outcomeOf(
      findings,
      threshold,
      { fr: 'Aucune destination Internet depuis ce poste d\'administration :', en: 'No Internet destination from this admin workstation:' },
      ['/network/outbound', '/network/egress_probes', '/network/proxy_dns/env_proxy'],
    );
  },
});
