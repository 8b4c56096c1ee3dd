import t, { type Test } from 'tap';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { HOST_ROLES } from '../../policies/evidence.js';
import {
  loadPackDirectory,
  loadPackFile,
  loadShippedPacks,
  packForRole,
  PackError,
  PackSchema,
  SHIPPED_PACKS_DIR,
} from '../../policies/pack.js';
import { MINIMAL_WIFI_RULE, packDir } from './pack-fixtures.js';

const header = (id: string, extra = '') =>
  `id: ${id}\nversion: 1\ntitle: { fr: T, en: T }\nroles: [server]\n${extra}`;
const withParams = 'parameters: { evidence_max_age_hours: 24, local_business_data: false }\n';

/** Asserts that `fn` throws a PackError whose reason matches and whose file is `file`. */
function throwsPackError(t: Test, fn: () => unknown, file: string, reason: RegExp): void {
  try {
    fn();
    t.fail('expected a PackError');
  } catch (error) {
    t.type(error, PackError);
    const e = error as PackError;
    t.equal(e.file, file, 'names the file');
    t.match(e.reason, reason);
    t.ok(e.message.startsWith(file), 'message starts with the file');
  }
}

t.test('every shipped pack loads, validates and resolves its base rules', async (t) => {
  const packs = loadShippedPacks();
  t.same([...packs.keys()].sort(), ['admin-workstation', 'backup-server', 'base', 'catalogue-completion', 'server', 'telemaintenance-gateway', 'workstation']);
  const validator = Compile(PackSchema);
  for (const pack of packs.values()) {
    t.ok(validator.Check(pack), `${pack.id} matches PackSchema`);
    const ids = pack.rules.map((r) => r.id);
    // catalogue-completion holds only the issue-19 rules (abstract, extended by nothing yet).
    if (pack.id !== 'catalogue-completion') for (const id of ['AUTH-01', 'BKP-01', 'NET-05', 'WIFI-01']) t.ok(ids.includes(id), `${pack.id} has ${id}`);
    t.same(ids, [...ids].sort(), `${pack.id} rules sorted by id`);
    for (const rule of pack.rules) {
      t.ok(rule.references.length > 0, `${pack.id} ${rule.id} cites references`);
      t.ok(rule.title.fr && rule.title.en && rule.rationale.fr && rule.remediation.en, `${pack.id} ${rule.id} is bilingual`);
    }
  }
  for (const role of HOST_ROLES) t.same(packForRole(role).roles, [role], `packForRole(${role})`);
  t.equal(packForRole('server').extends[0], 'base');
});

t.test('role packs override parameters and keep the rest of the base', async (t) => {
  const gateway = packForRole('telemaintenance-gateway');
  const net = gateway.rules.find((r) => r.id === 'NET-05')!;
  t.ok((net.parameters['allowed_listeners'] as { port: number }[]).some((l) => l.port === 22), 'gateway allows SSH');
  t.same(net.parameters['remote_control_ports'], packForRole('workstation').rules.find((r) => r.id === 'NET-05')!.parameters['remote_control_ports']);
  const ws = packForRole('workstation').rules.find((r) => r.id === 'NET-05')!;
  t.notOk((ws.parameters['allowed_listeners'] as { port: number }[]).some((l) => l.port === 22), 'workstation does not allow SSH');
  t.equal(gateway.rules.find((r) => r.id === 'WIFI-01')!.parameters['wifi_required'], false);
  t.equal(gateway.rules.find((r) => r.id === 'WIFI-01')!.gateway_severity, 'critical');
  t.equal(packForRole('workstation').parameters.local_business_data, false);
});

t.test('a site pack in another directory extends a shipped pack', async (t) => {
  const dir = packDir({
    'site-ws.yaml':
      'id: site-ws\nversion: 3\ntitle: { fr: Site, en: Site }\nroles: [workstation]\nextends: [workstation]\n' +
      'parameters: { local_business_data: true }\n' +
      'overrides:\n  - id: BKP-01\n    parameters: { pass_max_age_hours: 12 }\n',
  });
  const pack = loadPackFile(join(dir, 'site-ws.yaml'));
  t.equal(pack.version, 3);
  t.same(pack.extends, ['workstation', 'base', 'catalogue-completion']);
  t.equal(pack.parameters.local_business_data, true);
  t.equal(pack.parameters.evidence_max_age_hours, 24, 'inherited');
  const bkp = pack.rules.find((r) => r.id === 'BKP-01')!;
  t.same(bkp.parameters, { pass_max_age_hours: 12, warn_max_age_hours: 168 }, 'parameters merge key by key');
});

t.test('invalid YAML is a PackError with the line', async (t) => {
  const dir = packDir({ 'bad.yaml': 'id: bad\nversion: 1\ntitle: { fr: T, en: T\nroles: [server]\n' });
  const file = join(dir, 'bad.yaml');
  throwsPackError(t, () => loadPackFile(file), file, /^invalid YAML at line \d+/);
});

t.test('a missing field is a PackError naming the field and its line', async (t) => {
  const dir = packDir({
    'p.yaml': header('p', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('    severity: medium\n', ''),
  });
  const file = join(dir, 'p.yaml');
  throwsPackError(t, () => loadPackFile(file), file, /^\/rules\/0 \(line 7\): missing field\(s\) severity/);
});

t.test('an unknown field or a bad value is refused', async (t) => {
  const dir = packDir({
    'p.yaml': header('p', withParams + 'colour: blue\n'),
    'q.yaml': header('q', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('severity: medium', 'severity: urgent'),
  });
  throwsPackError(t, () => loadPackFile(join(dir, 'p.yaml')), join(dir, 'p.yaml'), /unknown field\(s\) colour/);
  throwsPackError(t, () => loadPackFile(join(dir, 'q.yaml')), join(dir, 'q.yaml'), /^\/rules\/0\/severity \(line \d+\)/);
});

t.test('a rule id without implementation is a PackError, never a silent pass', async (t) => {
  const dir = packDir({ 'p.yaml': header('p', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('WIFI-01', 'WIFI-99') });
  const file = join(dir, 'p.yaml');
  throwsPackError(t, () => loadPackFile(file), file, /rule WIFI-99 has no implementation/);
});

t.test('rule parameters are validated against the rule schema', async (t) => {
  const dir = packDir({
    'p.yaml': header('p', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('wifi_required: false', 'wifi_required: maybe'),
    'q.yaml': header('q', 'extends: [base]\n') + 'overrides:\n  - id: BKP-01\n    parameters: { pass_max_age_hours: 200 }\n',
    'r.yaml': header('r', 'extends: [base]\n') + 'overrides:\n  - id: NET-05\n    parameters: { admin_addresses: [not-an-ip] }\n',
  });
  throwsPackError(t, () => loadPackFile(join(dir, 'p.yaml')), join(dir, 'p.yaml'), /rule WIFI-01: parameters\/wifi_required/);
  throwsPackError(t, () => loadPackFile(join(dir, 'q.yaml')), join(dir, 'q.yaml'), /must not exceed warn_max_age_hours/);
  throwsPackError(t, () => loadPackFile(join(dir, 'r.yaml')), join(dir, 'r.yaml'), /not an IP address: not-an-ip/);
});

t.test('extends cycles are detected', async (t) => {
  const dir = packDir({
    'a.yaml': header('a', 'extends: [b]\n' + withParams),
    'b.yaml': header('b', 'extends: [c]\n'),
    'c.yaml': header('c', 'extends: [a]\n'),
  });
  throwsPackError(t, () => loadPackFile(join(dir, 'a.yaml')), join(dir, 'a.yaml'), /extends cycle: a -> b -> c -> a/);
  t.throws(() => loadPackDirectory(dir), PackError);
  const self = packDir({ 's.yaml': header('s', 'extends: [s]\n' + withParams) });
  throwsPackError(t, () => loadPackFile(join(self, 's.yaml')), join(self, 's.yaml'), /extends cycle: s -> s/);
});

t.test('structural mistakes are explained', async (t) => {
  const dir = packDir({
    'unknown-parent.yaml': header('unknown-parent', 'extends: [nowhere]\n'),
    'renamed.yaml': header('other-id', withParams),
    'redefine.yaml': header('redefine', 'extends: [base]\n') + 'rules:' + MINIMAL_WIFI_RULE,
    'ghost.yaml': header('ghost', 'extends: [base]\n') + 'overrides:\n  - id: NET-99\n    severity: low\n',
    'no-age.yaml': header('no-age') + 'rules:' + MINIMAL_WIFI_RULE,
    'lower.yaml': header('lower', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('escalate_on_gateway: true', 'escalate_on_gateway: true\n    gateway_severity: low'),
    'noescalate.yaml': header('noescalate', withParams) + 'rules:' + MINIMAL_WIFI_RULE.replace('escalate_on_gateway: true', 'escalate_on_gateway: false\n    gateway_severity: high'),
    'twice.yaml': header('twice', withParams) + 'rules:' + MINIMAL_WIFI_RULE + MINIMAL_WIFI_RULE,
  });
  const f = (n: string) => join(dir, `${n}.yaml`);
  throwsPackError(t, () => loadPackFile(f('unknown-parent')), f('unknown-parent'), /extends unknown pack "nowhere"/);
  throwsPackError(t, () => loadPackFile(f('renamed')), f('renamed'), /must match the file name/);
  throwsPackError(t, () => loadPackFile(f('redefine')), f('redefine'), /WIFI-01 is inherited; change it under "overrides"/);
  throwsPackError(t, () => loadPackFile(f('ghost')), f('ghost'), /NET-99 is neither inherited nor defined here/);
  throwsPackError(t, () => loadPackFile(f('no-age')), f('no-age'), /missing pack parameter evidence_max_age_hours/);
  throwsPackError(t, () => loadPackFile(f('lower')), f('lower'), /gateway_severity low is lower than severity medium/);
  throwsPackError(t, () => loadPackFile(f('noescalate')), f('noescalate'), /escalate_on_gateway is false/);
  throwsPackError(t, () => loadPackFile(f('twice')), f('twice'), /WIFI-01 is defined twice/);
  throwsPackError(t, () => loadPackFile(join(dir, 'missing.yaml')), join(dir, 'missing.yaml'), /cannot read file/);
});

t.test('packForRole refuses zero or several packs for a role', async (t) => {
  const packs = loadShippedPacks();
  const none = new Map([...packs].filter(([id]) => id !== 'server'));
  t.throws(() => packForRole('server', none), /no pack declares role server/);
  const twice = new Map(packs);
  twice.set('server-bis', { ...packs.get('server')!, id: 'server-bis' });
  t.throws(() => packForRole('server', twice), /several packs declare role server: server, server-bis/);
  t.ok(SHIPPED_PACKS_DIR.endsWith('/policies/packs/'));
});
