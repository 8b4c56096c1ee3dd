// What evaluate() remembers between rules and between reports (flow endpoints per evaluation,
// texts per pack rule) never changes a verdict: a report modified in place between two
// evaluations is judged afresh, and verdicts own their arrays.
import t from 'tap';
import { evaluate } from '../../policies/evaluate.js';
import type { OutboundFlow, Report } from '../../policies/evidence.js';
import { formatReference, loadShippedPacks, packForRole } from '../../policies/pack.js';
import { BUILDER_COLLECTED_AT, buildReport } from '../helpers/report-builder.js';
import { flow, withFlows } from '../helpers/report-builder-net.js';
import { verdictOf } from './pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const packs = loadShippedPacks();
const EXT = '93.184.216.34';

function flowsOf(report: Report): OutboundFlow[] {
  const network = report.network;
  if ('unavailable' in network || 'unavailable' in network.outbound) throw new Error('test report without flows');
  return network.outbound.flows;
}

t.test('a report changed in place between two evaluations is judged afresh', async (t) => {
  for (const role of ['server', 'admin-workstation'] as const) {
    const pack = packForRole(role, packs);
    const report = withFlows(buildReport({ host: { role } }), [flow('10.1.2.3', 443), flow(EXT, 443, { fqdn: 'example.com' })]);
    const first = evaluate(report, pack, AT);
    t.same(first, evaluate(structuredClone(report), pack, AT), `${role}: same as a fresh copy`);

    // The same flows array, changed in place: an address, then one more flow.
    const flows = flowsOf(report);
    flows[1]!.remote_address = '10.9.9.9';
    t.same(evaluate(report, pack, AT), evaluate(structuredClone(report), pack, AT), `${role}: address changed in place`);
    flows.push(flow('8.8.8.8', 53, { protocol: 'udp' }), flow(EXT, 21));
    const last = evaluate(report, pack, AT);
    t.same(last, evaluate(structuredClone(report), pack, AT), `${role}: flows added in place`);
    t.notSame(last, first, `${role}: and the verdicts did change`);
  }
  const server = packForRole('server', packs);
  const report = withFlows(buildReport(), [flow(EXT, 443)]);
  t.equal(verdictOf(evaluate(report, server, AT), 'NET-01').status, 'fail');
  flowsOf(report)[0]!.remote_address = '10.1.2.3';
  t.equal(verdictOf(evaluate(report, server, AT), 'NET-01').status, 'pass', 'now internal');
});

t.test('texts built once per pack rule are the ones built per verdict, in arrays of their own', async (t) => {
  for (const role of ['workstation', 'server', 'telemaintenance-gateway'] as const) {
    const pack = packForRole(role, packs);
    const report = buildReport({ host: { role } });
    const verdicts = evaluate(report, pack, AT);
    for (const rule of pack.rules) {
      const v = verdictOf(verdicts, rule.id);
      t.same(v.references, rule.references.map(formatReference), `${role} ${rule.id} references`);
      if (!rule.applies_to.includes(role)) {
        t.same(v.explanation, {
          fr: `La règle ne s'applique pas au rôle ${role} (rôles concernés : ${rule.applies_to.join(', ')}).`,
          en: `The rule does not apply to role ${role} (applies to: ${rule.applies_to.join(', ')}).`,
        });
      }
    }
    // A consumer changing one verdict's arrays or texts changes nothing in the next evaluation.
    const again = structuredClone(verdicts);
    for (const v of verdicts) {
      v.references.push('changed');
      v.evidence.push('/changed');
      v.explanation.en = 'changed';
    }
    t.same(evaluate(report, pack, AT), again, `${role}: later verdicts unaffected`);
  }
});
