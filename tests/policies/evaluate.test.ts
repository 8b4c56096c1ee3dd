import t from 'tap';
import { Compile } from 'typebox/compile';
import { evaluate } from '../../policies/evaluate.js';
import { packForRole } from '../../policies/pack.js';
import { VerdictSchema } from '../../policies/verdict.js';
import {
  BUILDER_ADMIN_ADDRESS,
  BUILDER_COLLECTED_AT,
  buildReport,
  collectedAt,
  hoursBefore,
  withUnavailable,
} from '../helpers/report-builder.js';
import { shippedWith, verdictOf } from './pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const plus = (ms: number) => new Date(AT.getTime() + ms);
const HOUR = 3_600_000;
const serverPack = shippedWith('server', 'NET-05', { admin_addresses: [BUILDER_ADMIN_ADDRESS] });
const verdictValidator = Compile(VerdictSchema);
/** The phase-1 rules this file exercises (other rules have their own tests). */
const FOUNDATION = ['AUTH-01', 'BKP-01', 'NET-05', 'WIFI-01'];

t.test('the default report passes on a server, with valid bilingual verdicts', async (t) => {
  const verdicts = evaluate(buildReport(), serverPack, AT);
  t.same(verdicts.map((v) => v.rule_id), serverPack.rules.map((r) => r.id), 'one verdict per pack rule, in order');
  t.same(verdicts.filter((v) => FOUNDATION.includes(v.rule_id)).map((v) => [v.rule_id, v.status]), [
    ['AUTH-01', 'pass'],
    ['BKP-01', 'pass'],
    ['NET-05', 'pass'],
    ['WIFI-01', 'not_applicable'],
  ]);
  for (const v of verdicts) {
    t.ok(verdictValidator.Check(v), `${v.rule_id} matches VerdictSchema`);
    t.ok(v.explanation.fr.length > 0 && v.explanation.en.length > 0, `${v.rule_id} explained in both languages`);
  }
  t.ok(verdictOf(verdicts, 'NET-05').references.includes('HYG M17'));
  t.equal(verdictOf(verdicts, 'NET-05').severity, 'high');
  t.equal(verdictOf(verdicts, 'WIFI-01').severity, 'medium');
});

t.test('evidence exactly at the max age is fresh; one second more is stale for every rule', async (t) => {
  const report = buildReport();
  const atLimit = evaluate(report, serverPack, plus(24 * HOUR));
  t.notOk(atLimit.some((v) => v.explanation.en.startsWith('Stale evidence')), 'exactly 24 h: judged normally');
  t.equal(verdictOf(atLimit, 'NET-05').status, 'pass');
  const stale = evaluate(report, serverPack, plus(24 * HOUR + 1000));
  t.ok(stale.length >= 4 && stale.every((v) => v.status === 'unknown'), 'every rule unknown');
  for (const v of stale) {
    t.match(v.explanation.en, /Stale evidence: collected 1 d 0 h 00 min 01 s ago/);
    t.match(v.explanation.fr, /Preuves périmées/);
    t.equal(v.threshold, 'evidence age <= 24 h');
    t.same(v.evidence, ['/collected_at']);
  }
  const shorter = structuredClone(serverPack);
  shorter.parameters.evidence_max_age_hours = 1;
  t.equal(verdictOf(evaluate(report, shorter, plus(HOUR)), 'NET-05').status, 'pass');
  t.equal(verdictOf(evaluate(report, shorter, plus(HOUR + 1)), 'NET-05').status, 'unknown', 'pack parameter honoured (ms precision)');
});

t.test('a report from the future (beyond 5 min of skew) is unknown', async (t) => {
  const report = collectedAt(buildReport(), new Date(AT.getTime() + 5 * 60_000).toISOString());
  t.equal(verdictOf(evaluate(report, serverPack, AT), 'NET-05').status, 'pass', '5 min ahead is tolerated');
  const ahead = collectedAt(buildReport(), new Date(AT.getTime() + 5 * 60_000 + 1000).toISOString());
  const v = verdictOf(evaluate(ahead, serverPack, AT), 'NET-05');
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /in the future/);
});

t.test('rules whose applies_to excludes the role are not_applicable, with the reason', async (t) => {
  const ws = buildReport({ host: { role: 'workstation' } });
  const v = verdictOf(evaluate(ws, packForRole('workstation'), AT), 'AUTH-01');
  t.equal(v.status, 'not_applicable');
  t.match(v.explanation.en, /does not apply to role workstation \(applies to: server, telemaintenance-gateway, admin-workstation\)/);
  t.match(v.explanation.fr, /ne s'applique pas au rôle workstation/);
  const bkp = buildReport({ host: { role: 'backup-server' } });
  t.equal(verdictOf(evaluate(bkp, packForRole('backup-server'), AT), 'NET-05').status, 'not_applicable');
  t.equal(verdictOf(evaluate(bkp, packForRole('backup-server'), AT), 'BKP-01').status, 'pass');
});

t.test('an unavailable section makes its rule unknown and repeats the collector reason', async (t) => {
  const cases = [
    ['network', 'NET-05', 'ss: permission denied'],
    ['wifi', 'WIFI-01', 'nmcli not found'],
    ['backups', 'BKP-01', 'restic repository locked'],
    ['mfa', 'AUTH-01', 'sshd -T needs root'],
  ] as const;
  for (const [section, ruleId, reason] of cases) {
    const verdicts = evaluate(withUnavailable(buildReport(), section, reason), serverPack, AT);
    const v = verdictOf(verdicts, ruleId);
    t.equal(v.status, 'unknown', `${ruleId} unknown`);
    t.ok(v.explanation.en.includes(reason) && v.explanation.fr.includes(reason), `${ruleId} repeats the reason`);
    t.same(v.evidence, [`/${section}`]);
    const foundation = verdicts.filter((x) => FOUNDATION.includes(x.rule_id));
    t.equal(foundation.filter((x) => x.status === 'unknown').length, 1, 'other rules are still judged');
  }
});

t.test('severity escalates on telemaintenance gateways for tagged rules only', async (t) => {
  const gw = buildReport({ host: { role: 'telemaintenance-gateway' } });
  const verdicts = evaluate(gw, packForRole('telemaintenance-gateway'), AT);
  t.equal(verdictOf(verdicts, 'NET-05').severity, 'critical', 'high -> critical');
  t.equal(verdictOf(verdicts, 'WIFI-01').severity, 'critical', 'medium (⇑ critical)');
  t.equal(verdictOf(verdicts, 'BKP-01').severity, 'critical');
  const server = evaluate(buildReport(), packForRole('server'), AT);
  t.equal(verdictOf(server, 'NET-05').severity, 'high', 'not escalated elsewhere');
  const untagged = structuredClone(packForRole('telemaintenance-gateway'));
  const net = untagged.rules.find((r) => r.id === 'NET-05')!;
  net.escalate_on_gateway = false;
  net.gateway_severity = null;
  t.equal(verdictOf(evaluate(gw, untagged, AT), 'NET-05').severity, 'high', 'untagged rule keeps its severity');
  const stale = evaluate(gw, packForRole('telemaintenance-gateway'), plus(48 * HOUR));
  t.equal(verdictOf(stale, 'NET-05').severity, 'critical', 'escalated even when unknown');
});

t.test('evaluate is pure and refuses a hand-built rule without implementation', async (t) => {
  const report = buildReport({ backups: { sources: [{ tool: 'borg', target: '/b', last_success_at: hoursBefore(30), snapshot_count: 3 }] } });
  const before = structuredClone(report);
  const first = evaluate(report, serverPack, AT);
  t.same(report, before, 'report not mutated');
  t.same(evaluate(report, serverPack, AT), first, 'same input, same verdicts');
  const bogus = structuredClone(serverPack);
  bogus.rules.push({ ...bogus.rules.find((r) => r.id === 'NET-05')!, id: 'NET-99' });
  t.throws(() => evaluate(report, bogus, AT), /NET-99 has no implementation/);
  const badParams = shippedWith('server', 'BKP-01', { pass_max_age_hours: 'soon' });
  t.throws(() => evaluate(report, badParams, AT), /BKP-01: invalid parameters/);
});
