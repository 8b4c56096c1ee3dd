import t from 'tap';
import { join } from 'node:path';
import { ruleContextFor } from '../../policies/evaluate.js';
import { allowlistIndexOf, internalNetworksOf, loadPackFile, packForRole, PackError } from '../../policies/pack.js';
import { buildReport, BUILDER_COLLECTED_AT } from '../helpers/report-builder.js';
import { packDir } from './pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);

/** An allowlist entry as YAML flow text (valid from 2025-01-01 to 2025-12-31). */
const entryYaml = (id: string, match: string, extra = '') =>
  `{ id: ${id}, match: { ${match} }, ports: [443], proto: tcp, direction: egress, roles: [server], ` +
  `purpose: p, owner: o, approved_at: "2025-01-01T00:00:00Z", expires_at: "2025-12-31T00:00:00Z", ticket: T${extra} }`;

const pack = (id: string, body: string) => `id: ${id}\nversion: 2\ntitle: { fr: T, en: T }\nroles: [server]\nextends: [server]\n${body}`;

t.test('inline entries and files merge along extends (own wins by id); rules get a bound matcher judged at now', async (t) => {
  const dir = packDir({
    'parent.yaml':
      'id: parent\nversion: 1\ntitle: { fr: P, en: P }\nroles: []\nextends: [server]\n' +
      `allowlist:\n  - ${entryYaml('vendor', 'fqdn: old.vendor.fr')}\n  - ${entryYaml('ntp', 'cidr: 10.9.9.0/24')}\n`,
    'extra.yaml': `entries:\n  - ${entryYaml('gw-only', 'cidr: 192.0.2.0/24', ', hosts: [gw-7]')}\n`,
    'site.yaml':
      'id: site\nversion: 4\ntitle: { fr: S, en: S }\nroles: [server]\nextends: [parent]\n' +
      `allowlist:\n  - ${entryYaml('vendor', 'fqdn: new.vendor.fr')}\nallowlist_files: [extra.yaml]\n`,
  });
  const loaded = loadPackFile(join(dir, 'site.yaml'));
  t.same(loaded.allowlist.map((e) => e.id).sort(), ['gw-only', 'ntp', 'vendor']);
  t.same(loaded.allowlist.find((e) => e.id === 'vendor')?.match, { fqdn: 'new.vendor.fr' }, 'own entry replaces the inherited one');
  t.equal(loaded.overlay, null);
  t.equal(allowlistIndexOf(loaded), allowlistIndexOf(loaded), 'compiled once, cached');

  const report = buildReport();
  const context = ruleContextFor(report, loaded, new Date('2025-06-01T00:00:00Z'));
  t.equal(context.role, 'server');
  t.same(context.pack, { id: 'site', version: 4, overlay: null });
  t.equal(context.allowlist.size, 3);
  const q = { port: 443, proto: 'tcp', direction: 'egress' } as const;
  t.equal(context.allowlist.matchEndpoint({ ...q, host: 'NEW.vendor.fr.' }).entry?.id, 'vendor');
  t.equal(context.allowlist.matchEndpoint({ ...q, host: 'old.vendor.fr' }).entry, null, 'replaced entry is gone');
  t.equal(context.allowlist.matchEndpoint({ ...q, ip: '10.9.9.200' }).entry?.id, 'ntp');
  const other = context.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' });
  t.equal(other.entry, null, 'hosts-restricted entry does not cover srv-01');
  t.match(other.reason, /restricted to other hosts/);
  const gw = ruleContextFor(buildReport({ host: { host_id: 'gw-7' } }), loaded, new Date('2025-06-01T00:00:00Z'));
  t.equal(gw.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' }).entry?.id, 'gw-only', 'listed host matches by host_id');
  const byName = ruleContextFor(buildReport({ host: { hostname: 'GW-7' } }), loaded, new Date('2025-06-01T00:00:00Z'));
  t.equal(byName.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' }).entry?.id, 'gw-only', 'listed host matches by host name');
  // On the server the host is judged as enrolled: the name its report claims does not match.
  const claimed = ruleContextFor(buildReport({ host: { hostname: 'GW-7' } }), loaded, new Date('2025-06-01T00:00:00Z'), { enrolled: { host_id: 'h-1', hostname: 'srv-01' } });
  const refused = claimed.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' });
  t.equal(refused.entry, null, 'a report claiming a listed name does not match');
  t.match(refused.reason, 'restricted to other hosts (host enrolled as srv-01, reporting itself as GW-7)');
  const enrolled = ruleContextFor(buildReport({ host: { hostname: 'renamed' } }), loaded, new Date('2025-06-01T00:00:00Z'), { enrolled: { host_id: 'h-2', hostname: 'gw-7.' } });
  t.equal(enrolled.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' }).entry?.id, 'gw-only', 'the enrolled name matches whatever the report says');
  const unknownName = ruleContextFor(buildReport({ host: { host_id: 'gw-7', hostname: 'gw-7' } }), loaded, new Date('2025-06-01T00:00:00Z'), { enrolled: { host_id: 'gw-7', hostname: undefined } });
  t.equal(unknownName.allowlist.matchEndpoint({ ...q, ip: '192.0.2.1' }).entry?.id, 'gw-only', 'without an enrolled name, the host_id still matches');

  const expired = ruleContextFor(report, loaded, new Date('2026-01-01T00:00:00Z'));
  const result = expired.allowlist.matchEndpoint({ ...q, host: 'new.vendor.fr' });
  t.equal(result.entry, null, 'expired entries are inactive at now');
  t.match(result.reason, /expired/);
});

t.test('shipped packs carry internal_networks and an empty allowlist', async (t) => {
  const server = packForRole('server');
  t.ok(server.parameters.internal_networks.includes('10.0.0.0/8'));
  t.same(server.allowlist, []);
  const nets = internalNetworksOf(server);
  t.equal(nets.contains('10.20.30.40'), true);
  t.equal(nets.contains('::ffff:192.168.1.1'), true, 'IPv4-mapped IPv6 is judged as IPv4');
  t.equal(nets.contains('8.8.8.8'), false);
  t.equal(nets.contains('2001:4860::8888'), false);
  t.equal(nets.contains('fe80::1'), true);
  t.equal(nets.contains('not-an-ip'), null);
  const context = ruleContextFor(buildReport(), server, AT);
  t.equal(context.allowlist.size, 0);
  t.match(context.allowlist.matchEndpoint({ port: 443, proto: 'tcp', direction: 'egress', host: 'a.fr' }).reason, /no allowlist entry/);
  t.equal(context.internalNetworks.contains('172.16.0.1'), true);
});

t.test('allowlist load errors are PackErrors naming the pack file', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['schema', { 'p.yaml': pack('p', `allowlist:\n  - { id: x, match: { fqdn: a.fr } }\n`) }, /\/allowlist\/0.*missing field/],
    ['duplicate', { 'p.yaml': pack('p', `allowlist:\n  - ${entryYaml('x', 'fqdn: a.fr')}\n  - ${entryYaml('x', 'fqdn: b.fr')}\n`) }, /entry x is defined twice/],
    [
      'duplicate across file',
      { 'p.yaml': pack('p', `allowlist:\n  - ${entryYaml('x', 'fqdn: a.fr')}\nallowlist_files: [l.yaml]\n`), 'l.yaml': `entries:\n  - ${entryYaml('x', 'fqdn: b.fr')}\n` },
      /entry x is defined twice \(allowlist and l.yaml\)/,
    ],
    ['missing file', { 'p.yaml': pack('p', 'allowlist_files: [nope.yaml]\n') }, /allowlist_files\/0: .*nope.yaml: cannot read/],
    ['absolute path', { 'p.yaml': pack('p', 'allowlist_files: [/etc/passwd]\n') }, /must be relative/],
    ['bad file schema', { 'p.yaml': pack('p', 'allowlist_files: [l.yaml]\n'), 'l.yaml': 'entries: [{ id: 1 }]\n' }, /allowlist_files\/0/],
    ['does not compile', { 'p.yaml': pack('p', `allowlist:\n  - ${entryYaml('bad', 'cidr: 10.0.0.0/40')}\n`) }, /cannot be compiled: bad: IPv4 prefix/],
    ['internal_networks', { 'p.yaml': pack('p', 'parameters: { internal_networks: [10.0.0.0/8, "010.1.0.0/16"] }\n') }, /internal_networks\/1/],
  ];
  for (const [name, files, reason] of cases) {
    const dir = packDir(files);
    const file = join(dir, 'p.yaml');
    try {
      loadPackFile(file);
      t.fail(`${name}: expected a PackError`);
    } catch (error) {
      t.type(error, PackError, name);
      t.equal((error as PackError).file, file, `${name}: names the pack file`);
      t.match((error as PackError).reason, reason, name);
    }
  }
});
