// The catalogue (../shared/POLICY-CATALOGUE.md) says which roles each rule applies to: every
// rule of the 46 judged from a host's report (42), plus the telework rules ENC-01 and NET-09, must be in the
// shipped pack of each of its roles with exactly those roles, and absent roles must judge it
// not applicable. NET-02 (allowlist lint) and ORG-01..03 (declarations) are judged on the server,
// not from a host's report: they are checked to be outside the host packs.
import t from 'tap';
import { HOST_ROLES, type HostRole } from '../../policies/evidence.js';
import { packForRole } from '../../policies/pack.js';
import { RULE_REGISTRY } from '../../policies/rules/registry.js';

const WS: HostRole = 'workstation';
const ADM: HostRole = 'admin-workstation';
const TMG: HostRole = 'telemaintenance-gateway';
const SRV: HostRole = 'server';
const BKP: HostRole = 'backup-server';

// The catalogue's "Applies to" column, ORG left out (declared evidence has no host).
// WIFI-07's "AP (collector)" is a server that runs the AP/WLC collector; BKP-01 "WS only if
// local_business_data" is in the workstation pack, gated by that parameter.
const CATALOGUE: Record<string, readonly HostRole[]> = {
  'NET-01': [WS, ADM, TMG, SRV],
  'NET-03': [WS, ADM, SRV],
  'NET-04': [WS, ADM, TMG, SRV],
  'NET-05': [WS, ADM, TMG, SRV],
  'NET-06': [WS, ADM, TMG, SRV, BKP],
  'NET-07': [WS, ADM, TMG, SRV],
  'NET-08': [WS, ADM, SRV],
  'WIFI-01': [WS, ADM, TMG, SRV],
  'WIFI-02': [WS, ADM, TMG],
  'WIFI-03': [WS, ADM],
  'WIFI-04': [WS, ADM],
  'WIFI-05': [WS, ADM, TMG, SRV],
  'WIFI-06': [WS, ADM, TMG, SRV],
  'WIFI-07': [SRV],
  'BKP-01': [SRV, TMG, BKP, WS],
  'BKP-02': [SRV, BKP],
  'BKP-03': [BKP],
  'BKP-04': [BKP],
  'BKP-05': [BKP],
  'BKP-06': [BKP, SRV],
  'BKP-07': [BKP],
  'BKP-08': [WS, SRV],
  'AUTH-01': [SRV, TMG, ADM],
  'AUTH-02': [SRV, TMG, ADM],
  'AUTH-03': [WS, ADM],
  'AUTH-04': [TMG, SRV],
  'AUTH-05': [TMG, SRV],
  'AUTH-06': [WS, ADM, SRV, TMG],
  'AUTH-07': [WS, ADM, SRV, TMG],
  'AUTH-08': [WS, ADM, SRV],
  'TMA-01': [TMG],
  'TMA-02': [TMG],
  'TMA-03': [TMG],
  'TMA-04': [TMG],
  'TMA-05': [TMG],
  'TMA-06': [TMG],
  'ADM-01': [ADM],
  'ADM-02': [SRV, TMG],
  'INV-01': [WS, ADM, TMG, SRV, BKP],
  'INV-02': [WS, ADM, TMG, SRV, BKP],
  'INV-03': [WS, ADM, SRV, TMG],
  'LOG-01': [WS, ADM, TMG, SRV, BKP],
  // Telework, beyond the 46 (hosts tagged mobile).
  'ENC-01': [WS, ADM],
  'NET-09': [WS, ADM],
};
const SERVER_SIDE = ['NET-02', 'ORG-01', 'ORG-02', 'ORG-03'];

t.test('42 host rules + NET-02 + ORG-01..03 = the 46, plus ENC-01 and NET-09', async (t) => {
  const telework = ['ENC-01', 'NET-09'];
  const hostRules = Object.keys(CATALOGUE).filter((id) => !telework.includes(id));
  t.equal(hostRules.length + SERVER_SIDE.length, 46);
  t.same([...RULE_REGISTRY.keys()].sort(), Object.keys(CATALOGUE).sort(), 'every host rule has an implementation, and no other');
});

t.test('each rule is in the pack of every role the catalogue gives it, with those roles', async (t) => {
  for (const role of HOST_ROLES) {
    const pack = packForRole(role);
    const ids = new Set(pack.rules.map((r) => r.id));
    for (const [id, roles] of Object.entries(CATALOGUE)) {
      const rule = pack.rules.find((r) => r.id === id);
      if (!roles.includes(role)) {
        // Present (inherited) but not applicable, or absent: never judged on this role.
        if (rule) t.notOk(rule.applies_to.includes(role), `${id} does not apply to ${role}`);
        continue;
      }
      t.ok(rule, `${role} pack has ${id}`);
      if (rule) t.same([...rule.applies_to].sort(), [...roles].sort(), `${id} applies to the catalogue's roles`);
    }
    for (const id of SERVER_SIDE) t.notOk(ids.has(id), `${id} is judged on the server, not in the ${role} pack`);
  }
});
