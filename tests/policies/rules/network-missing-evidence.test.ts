// Sweep over the NET/WIFI/ADM rules of issue 5: with the evidence they read unavailable or not
// reported, no rule may pass (catalogue: missing evidence is unknown, never pass), on any role.
import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import { HOST_ROLES } from '../../../policies/evidence.js';
import { packForRole } from '../../../policies/pack.js';
import { BUILDER_COLLECTED_AT, buildReport, wifiInterface, withWifi } from '../../helpers/report-builder.js';
import { withNetwork } from '../../helpers/report-builder-net.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const MINE = ['NET-01', 'NET-03', 'NET-04', 'NET-06', 'NET-07', 'WIFI-02', 'WIFI-03', 'WIFI-04', 'WIFI-05', 'WIFI-06', 'ADM-01'];

t.test('unavailable or unreported evidence never passes, on any role', async (t) => {
  for (const role of HOST_ROLES) {
    const blind = withWifi(
      withNetwork(buildReport({ host: { role } }), {
        listeners: { unavailable: 'no /proc/net' },
        outbound: { unavailable: 'no /proc/net' },
        egress_probes: { unavailable: 'not run' },
        proxy_dns: { unavailable: 'resolv.conf unreadable' },
      }),
      { hardware_present: true, interfaces: [wifiInterface({ radio: 'on', oper_state: 'up', mode: 'unknown', connection: { ssid: 'X', key_management: null, cipher: null } })] },
    );
    const verdicts = evaluate(blind, packForRole(role), AT).filter((v) => MINE.includes(v.rule_id));
    t.equal(verdicts.length, MINE.length, `${role}: every rule judged`);
    for (const v of verdicts) {
      t.ok(v.status === 'unknown' || v.status === 'not_applicable', `${role} ${v.rule_id}: ${v.status}`);
      t.not(v.explanation.fr, v.explanation.en, `${role} ${v.rule_id}: explanation in both languages`);
      t.ok(v.evidence.length > 0, `${role} ${v.rule_id}: evidence pointers`);
      if (v.status === 'unknown') t.ok(v.threshold, `${role} ${v.rule_id}: threshold stated`);
    }
  }
});

t.test('several problems are grouped by status, worst first', async (t) => {
  const report = withNetwork(buildReport({ host: { role: 'workstation' } }), {
    firewall: {
      source: 'Get-NetFirewallProfile',
      profiles: [
        { name: 'Domain', active: true, enabled: true, default_inbound: 'block', logs_blocked: false },
        { name: 'Private', active: true, enabled: true, default_inbound: null, logs_blocked: true },
        { name: 'Public', active: true, enabled: false, default_inbound: 'block', logs_blocked: true },
      ],
    },
  });
  const v = evaluate(report, packForRole('workstation'), AT).find((x) => x.rule_id === 'NET-07');
  t.equal(v?.status, 'fail');
  t.match(v?.explanation.en, /^Non-compliant: profile Public: firewall disabled\. Cannot be judged: profile Private: default inbound policy unknown\. Needs attention: profile Domain: default deny, but blocked traffic is not logged\.$/);
  t.match(v?.explanation.fr, /^Non conforme : .* Indéterminé : .* À améliorer : /);
  t.same(v?.evidence, ['/network/firewall/profiles/2/enabled', '/network/firewall/profiles/1/default_inbound', '/network/firewall/profiles/0/logs_blocked']);
});
