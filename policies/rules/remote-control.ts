// NET-08: no remote-control product outside the approved list. Installed only = the pack's
// severity (high); running or connected = critical (the catalogue's escalation).
import { Type } from 'typebox';
import { isReported, missingEvidence } from './evidence-gaps.js';
import { passOutcome, summarise } from './outcomes.js';
import { defineRule, type Finding, type RuleOutcome } from './rule.js';

export const Net08Parameters = Type.Object(
  { approved_products: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64, uniqueItems: true }) },
  { additionalProperties: false },
);

export const net08 = defineRule({
  id: 'NET-08',
  section: 'network',
  parameters: Net08Parameters,
  check(report, p): RuleOutcome {
    const threshold = `no remote-control product outside {${p.approved_products.join(', ') || 'none approved'}}; running or connected = critical`;
    const tools = report.network.remote_control;
    if (!isReported(tools)) return missingEvidence(tools, '/network/remote_control', { fr: 'Outils de prise en main à distance', en: 'Remote-control tools' }, threshold);
    const approved = new Set(p.approved_products.map((x) => x.toLowerCase()));
    const findings: Finding[] = tools.map((tool, i) => {
      const pointer = `/network/remote_control/${i}`;
      const what = `${tool.product} (${tool.name}, ${tool.found_by.join('+')})`;
      if (approved.has(tool.product.toLowerCase())) return { status: 'pass', pointer, fr: `${what} approuvé`, en: `${what} approved` };
      const active = tool.running || tool.connected === true;
      return { status: 'fail', pointer, fr: `${what} non approuvé${active ? ', en cours d\'exécution' : ', installé'}`, en: `${what} not approved${active ? ', running' : ', installed'}` };
    });
    if (findings.length === 0) return passOutcome({ fr: 'Aucun outil de prise en main à distance trouvé.', en: 'No remote-control tool found.' }, ['/network/remote_control'], threshold);
    const outcome = summarise(findings, {
      pass: ['Outils de prise en main approuvés seulement', 'Only approved remote-control tools'],
      fail: ['Outil de prise en main à distance non approuvé', 'Unapproved remote-control tool'],
    }, threshold);
    const escalate = tools.some((t) => !approved.has(t.product.toLowerCase()) && (t.running || t.connected === true));
    return escalate ? { ...outcome, escalated_severity: 'critical' } : outcome;
  },
});
