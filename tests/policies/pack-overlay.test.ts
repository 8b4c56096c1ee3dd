import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, evaluateWithProvenance, ruleContextFor } from '../../policies/evaluate.js';
import {
  loadSiteOverlayDirectory,
  loadSiteOverlayFile,
  packFor,
  packForRole,
  packLabel,
  PackError,
} from '../../policies/pack.js';
import { buildReport, BUILDER_ADMIN_ADDRESS, BUILDER_COLLECTED_AT, listener, withListeners } from '../helpers/report-builder.js';
import { packDir, verdictOf } from './pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);

const entryYaml = (id: string, match: string, roles: string, extra = '') =>
  `{ id: ${id}, match: { ${match} }, ports: [443], proto: tcp, direction: ingress, roles: [${roles}], ` +
  `purpose: p, owner: o, approved_at: "2025-01-01T00:00:00Z", expires_at: "2025-12-31T00:00:00Z", ticket: T${extra} }`;

const OVERLAY = `# CHI de la Vallée
site: chi-vallee
version: 3
title: { fr: CHI de la Vallée, en: CHI de la Vallée }
parameters:
  evidence_max_age_hours: 48
overrides:
  - id: NET-05
    parameters:
      admin_addresses: [${BUILDER_ADMIN_ADDRESS}]
  - id: NET-05
    roles: [server]
    append:
      allowed_listeners:
        - { port: 8443, protocol: tcp, purpose: DPI web front }
allowlist:
  - ${entryYaml('vendor-gw7', 'cidr: 198.51.100.0/28', 'telemaintenance-gateway', ', hosts: [gw-7]')}
allowlist_files: [lists/vendors.yaml]
`;

/** Overlays directory; allowlist files live in a subdirectory (every *.yaml at the top is an overlay). */
function overlayDir(): string {
  const dir = packDir({ 'chi-vallee.yaml': OVERLAY });
  mkdirSync(join(dir, 'lists'));
  writeFileSync(join(dir, 'lists', 'vendors.yaml'), `entries:\n  - ${entryYaml('vendor-all', 'fqdn: support.vendor.fr', 'telemaintenance-gateway, server')}\n`);
  return dir;
}

t.test('packFor applies the site overlay: parameters, overrides by role, append, allowlist', async (t) => {
  const overlays = loadSiteOverlayDirectory(overlayDir());
  t.same([...overlays.keys()], ['chi-vallee']);
  const server = packFor('server', 'chi-vallee', undefined, overlays);
  const shipped = packForRole('server');
  t.not(server, shipped);
  t.same(server.overlay, { site: 'chi-vallee', version: 3 });
  t.equal(packLabel(server), 'server v2 + site chi-vallee v3');
  t.equal(packLabel(shipped), 'server v2');
  t.equal(server.parameters.evidence_max_age_hours, 48);
  t.equal(server.parameters.local_business_data, false, 'other parameters kept');
  const net = server.rules.find((r) => r.id === 'NET-05')!;
  t.same(net.parameters['admin_addresses'], [BUILDER_ADMIN_ADDRESS]);
  const ports = (net.parameters['allowed_listeners'] as { port: number }[]).map((l) => l.port);
  t.same(ports, [22, 68, 546, 8443], 'appended after the role pack list');
  t.same(server.allowlist.map((e) => e.id).sort(), ['vendor-all', 'vendor-gw7']);
  t.equal(packFor('server', 'chi-vallee', undefined, overlays), server, 'cached per (pack, overlay)');

  const gateway = packFor('telemaintenance-gateway', 'chi-vallee', undefined, overlays);
  const gwNet = gateway.rules.find((r) => r.id === 'NET-05')!;
  t.same(gwNet.parameters['admin_addresses'], [BUILDER_ADMIN_ADDRESS], 'site-wide override reaches every role pack');
  t.notOk((gwNet.parameters['allowed_listeners'] as { port: number }[]).some((l) => l.port === 8443), 'role-scoped append does not');

  t.equal(packFor('server', 'other-site', undefined, overlays), shipped, 'no overlay for the site: the role pack');
  t.equal(packFor('server', null, undefined, overlays), shipped);
  t.equal(packFor('server', 'chi-vallee'), shipped, 'no overlays given');
  t.same(shipped.rules.find((r) => r.id === 'NET-05')!.parameters['admin_addresses'], [], 'shipped pack untouched');

  // The overlay changes verdicts: 8443 is allowed on this site's servers, SSH binding is checked.
  const report = withListeners(buildReport(), [
    listener(22, BUILDER_ADMIN_ADDRESS, 'tcp', 'sshd'),
    listener(8443, '0.0.0.0', 'tcp', 'java'),
  ]);
  t.equal(verdictOf(evaluate(report, server, AT), 'NET-05').status, 'pass');
  t.equal(verdictOf(evaluate(report, shipped, AT), 'NET-05').status, 'fail');

  const gwContext = ruleContextFor(buildReport({ host: { host_id: 'gw-7', role: 'telemaintenance-gateway' } }), gateway, new Date('2025-06-01T00:00:00Z'));
  t.same(gwContext.pack, { id: 'telemaintenance-gateway', version: packForRole('telemaintenance-gateway').version, overlay: { site: 'chi-vallee', version: 3 } });
  const q = { port: 443, proto: 'tcp', direction: 'ingress' } as const;
  t.equal(gwContext.allowlist.matchEndpoint({ ...q, ip: '198.51.100.7' }).entry?.id, 'vendor-gw7');
  t.equal(gwContext.allowlist.matchEndpoint({ ...q, ip: '198.51.100.17' }).entry, null, 'outside the declared /28');
});

t.test('an overlay entry with the id of a pack entry replaces it', async (t) => {
  const overlays = loadSiteOverlayDirectory(overlayDir());
  const once = packFor('server', 'chi-vallee', undefined, overlays);
  const dir = packDir({
    'chi-vallee.yaml': `site: chi-vallee\nversion: 4\nallowlist:\n  - ${entryYaml('vendor-all', 'fqdn: other.vendor.fr', 'server')}\n`,
  });
  const overlay = loadSiteOverlayFile(join(dir, 'chi-vallee.yaml'));
  const again = packFor('server', 'chi-vallee', new Map([['server', once]]), new Map([['chi-vallee', overlay]]));
  t.same(again.allowlist.find((e) => e.id === 'vendor-all')?.match, { fqdn: 'other.vendor.fr' });
  t.same(again.overlay, { site: 'chi-vallee', version: 4 });
});

t.test('overlay errors name the overlay file and the reason', async (t) => {
  const head = 'site: chi-vallee\nversion: 1\n';
  const cases: [string, string, RegExp, 'load' | 'apply'][] = [
    ['file name', head.replace('chi-vallee', 'other'), /must match the file name/, 'load'],
    ['unknown field', `${head}severity: low\n`, /unknown field/, 'load'],
    ['unknown rule', `${head}overrides:\n  - { id: NET-99, parameters: {} }\n`, /unknown rule NET-99/, 'load'],
    ['empty override', `${head}overrides:\n  - { id: NET-05 }\n`, /give parameters and\/or append/, 'load'],
    [
      'overlapping overrides',
      `${head}overrides:\n  - { id: NET-05, parameters: { ssh_port: 22 } }\n  - { id: NET-05, roles: [server], append: { ssh_port: [] } }\n`,
      /parameter ssh_port is already set for these roles/,
      'load',
    ],
    ['bad internal network', `${head}parameters: { internal_networks: [10.0.0.0/33] }\n`, /internal_networks\/0/, 'load'],
    ['bad entry', `${head}allowlist:\n  - ${entryYaml('x', 'cidr: 10.0.0.0/99', 'server')}\n`, /cannot be compiled/, 'load'],
    ['bad parameter', `${head}overrides:\n  - { id: NET-05, parameters: { ssh_port: "22" } }\n`, /NET-05 \(pack server\): parameters\/ssh_port/, 'apply'],
    ['append to a scalar', `${head}overrides:\n  - { id: NET-05, append: { ssh_port: [1] } }\n`, /no list parameter ssh_port/, 'apply'],
    ['role pack lacks the rule', `${head}overrides:\n  - { id: AUTH-01, roles: [workstation], parameters: {} }\n`, /has no rule AUTH-01/, 'apply'],
  ];
  for (const [name, text, reason, stage] of cases) {
    const dir = packDir({ 'chi-vallee.yaml': text });
    const file = join(dir, 'chi-vallee.yaml');
    try {
      const overlay = loadSiteOverlayFile(file);
      t.equal(stage, 'apply', `${name}: loads`);
      const packs = new Map([['workstation', { ...packForRole('workstation'), rules: packForRole('workstation').rules.filter((r) => r.id !== 'AUTH-01') }]]);
      if (name === 'role pack lacks the rule') packFor('workstation', 'chi-vallee', packs, new Map([['chi-vallee', overlay]]));
      else packFor('server', 'chi-vallee', undefined, new Map([['chi-vallee', overlay]]));
      t.fail(`${name}: expected a PackError`);
    } catch (error) {
      t.type(error, PackError, name);
      t.equal((error as PackError).file, file, `${name}: names the overlay file`);
      t.match((error as PackError).reason, reason, name);
    }
  }
});

t.test('evaluateWithProvenance names the pack version and the overlay that judged', async (t) => {
  const overlays = loadSiteOverlayDirectory(overlayDir());
  const server = packFor('server', 'chi-vallee', undefined, overlays);
  const report = buildReport();
  const result = evaluateWithProvenance(report, server, AT);
  t.same(result.pack, { id: 'server', version: 2, overlay: { site: 'chi-vallee', version: 3 } });
  t.same(result.verdicts, evaluate(report, server, AT));
  t.same(evaluateWithProvenance(report, packForRole('server'), AT).pack, { id: 'server', version: 2, overlay: null });
});
