import t from 'tap';
import { join } from 'node:path';
import { formatFinding, lintAllowlistFile, lintAllowlistText, lintPolicyFile } from '../../policies/lint.js';
import { packDir } from './pack-fixtures.js';

/** One YAML entry; `lines` replace or add fields (`key: value` text). */
function yamlEntry(id: string, match: string, lines: Record<string, string | null> = {}): string {
  const fields: Record<string, string | null> = {
    id,
    match,
    ports: '[443]',
    proto: 'tcp',
    direction: 'egress',
    roles: '[server]',
    purpose: 'vendor portal',
    owner: 'DSI',
    approved_at: '2025-01-01T00:00:00Z',
    expires_at: '2025-12-31T00:00:00Z',
    ticket: 'CHG-1',
    ...lines,
  };
  const body = Object.entries(fields)
    .filter(([, v]) => v !== null)
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`);
  return body.join('\n') + '\n';
}
const file = (...entries: string[]) => 'entries:\n' + entries.join('');
const ENTRY_LINES = 11; // each yamlEntry with default fields spans 11 lines

t.test('a clean file has no findings', async (t) => {
  const text = file(
    yamlEntry('a', '{ fqdn: portal.vendor.fr }'),
    yamlEntry('b', '{ cidr: 10.1.2.0/24 }'),
    yamlEntry('c', '{ cidr: "2001:db8:1::/48" }'),
    yamlEntry('d', '{ fqdn: "*.cdn.vendor.fr" }'),
    yamlEntry('e', '{ url_prefix: "https://portal.vendor.fr/api" }'),
    yamlEntry('f', '{ fqdn: "*.example.fr" }', { exception: 'true', justification: 'vendor rotates hosts daily, RSSI ok' }),
    yamlEntry('g', '{ fqdn: a.fr }', { expires_at: '2026-01-01T00:00:00Z' }),
  );
  t.same(lintAllowlistText(text, 'ok.yaml'), []);
});

t.test('wide CIDRs are rejected with their line', async (t) => {
  const text = file(
    yamlEntry('v4', '{ cidr: 10.1.0.0/23 }'),
    yamlEntry('v6', '{ cidr: "2001:db8::/47" }'),
    yamlEntry('any', '{ cidr: 0.0.0.0/0 }'),
    yamlEntry('any6', '{ cidr: "::/0" }'),
  );
  const findings = lintAllowlistText(text, 'wide.yaml');
  t.same(
    findings.map((f) => [f.entry_id, f.code, f.line]),
    [
      ['v4', 'cidr-too-wide', 3],
      ['v6', 'cidr-too-wide', 3 + ENTRY_LINES],
      ['any', 'cidr-any', 3 + 2 * ENTRY_LINES],
      ['any6', 'cidr-any', 3 + 3 * ENTRY_LINES],
    ],
  );
  t.match(findings[0]!.reason, /10\.1\.0\.0\/23 is wider than \/24/);
  t.equal(findings[0]!.file, 'wide.yaml');
});

t.test('wildcards directly under a registrable domain or a public suffix are rejected', async (t) => {
  const text = file(
    yamlEntry('reg', '{ fqdn: "*.example.fr" }'),
    yamlEntry('psl', '{ fqdn: "*.co.uk" }'),
    yamlEntry('tld', '{ fqdn: "*.fr" }'),
    yamlEntry('mid', '{ fqdn: "a.*.example.fr" }'),
    yamlEntry('nojust', '{ fqdn: "*.example.fr" }', { exception: 'true' }),
    yamlEntry('private-suffix', '{ fqdn: "*.github.io" }'),
  );
  const codes = lintAllowlistText(text, 'w.yaml').map((f) => [f.entry_id, f.code]);
  t.same(codes, [
    ['reg', 'wildcard-registrable'],
    ['psl', 'wildcard-registrable'],
    ['tld', 'wildcard-registrable'],
    ['mid', 'wildcard-form'],
    ['nojust', 'wildcard-registrable'],
    ['nojust', 'exception-without-justification'],
    ['private-suffix', 'wildcard-registrable'],
  ]);
  t.match(lintAllowlistText(file(yamlEntry('reg', '{ fqdn: "*.example.fr" }')), 'w.yaml')[0]!.reason, /directly under the registrable domain example\.fr/);
});

t.test('expiry more than 365 days after approval is rejected; exactly 365 days is accepted', async (t) => {
  const text = file(
    yamlEntry('ok365', '{ fqdn: a.fr }', { expires_at: '2026-01-01T00:00:00Z' }),
    yamlEntry('late', '{ fqdn: a.fr }', { expires_at: '2026-01-01T00:00:01Z' }),
    yamlEntry('before', '{ fqdn: a.fr }', { expires_at: '2024-12-31T00:00:00Z' }),
  );
  const findings = lintAllowlistText(text, 'e.yaml');
  t.same(findings.map((f) => [f.entry_id, f.code, f.line]), [
    ['late', 'expiry-too-long', 2 + ENTRY_LINES + 9],
    ['before', 'expiry-before-approval', 2 + 2 * ENTRY_LINES + 9],
  ]);
  t.match(findings[0]!.reason, /expires 366 days after approval \(max 365\)/);
});

t.test('missing owner or purpose, schema errors and duplicates are reported with lines', async (t) => {
  const text = file(
    yamlEntry('no-owner', '{ fqdn: a.fr }', { owner: null }),
    yamlEntry('blank-purpose', '{ fqdn: a.fr }', { purpose: '"  "' }),
    yamlEntry('no-owner', '{ fqdn: b.fr }', { proto: 'sctp' }),
    yamlEntry('bad-url', '{ url_prefix: "https://u@a.fr/x" }'),
  );
  const findings = lintAllowlistText(text, 'm.yaml');
  t.same(findings.map((f) => [f.entry_id, f.code]), [
    ['no-owner', 'missing-owner'],
    ['blank-purpose', 'missing-purpose'],
    ['no-owner', 'duplicate-id'],
    ['no-owner', 'schema'],
    ['bad-url', 'url-invalid'],
  ]);
  t.equal(findings[0]!.line, 2, 'missing field: the entry line');
  t.equal(findings[1]!.line, 2 + 10 + 6, 'blank field: its own line');
  t.match(findings[2]!.reason, /already used at line 2/);
  t.equal(findings[3]!.line, 2 + 10 + ENTRY_LINES + 3, 'schema error: the proto line');
});

t.test('broken YAML and wrong shapes give a finding, not an exception', async (t) => {
  const yamlError = lintAllowlistText('entries:\n  - id: a\n    match: { fqdn: a.fr\n', 'b.yaml');
  t.equal(yamlError[0]?.code, 'yaml');
  t.ok((yamlError[0]?.line ?? 0) >= 3);
  t.equal(lintAllowlistText('- just a list\n', 'l.yaml')[0]?.code, 'schema');
  const dir = packDir({ 'x.yaml': file(yamlEntry('v4', '{ cidr: 10.0.0.0/8 }')) });
  t.equal(lintAllowlistFile(join(dir, 'x.yaml'))[0]?.file, join(dir, 'x.yaml'));
  t.equal(lintAllowlistFile(join(dir, 'missing.yaml'))[0]?.code, 'io');
});

t.test('lintPolicyFile: packs and overlays report load errors with their line, entries with NET-02 codes', async (t) => {
  const dir = packDir({
    'p.yaml': 'id: p\nversion: 1\ntitle: { fr: P, en: P }\nroles: [server]\nextends: [server]\ncolour: blue\n',
    'chi-vallee.yaml': 'site: chi-vallee\nversion: 1\noverrides:\n  - { id: NET-99, parameters: {} }\n',
    'list.yaml': 'entries: []\n',
    'other.yaml': 'hello: world\n',
  });
  const pack = lintPolicyFile(join(dir, 'p.yaml'));
  t.equal(pack.kind, 'pack');
  t.same(pack.findings.map((f) => [f.line, f.code]), [[6, 'load']]);
  t.match(formatFinding(pack.findings[0]!), /p.yaml:6: \[load\] \/colour \(line 6\): unknown field/);
  const overlay = lintPolicyFile(join(dir, 'chi-vallee.yaml'));
  t.equal(overlay.kind, 'overlay');
  t.match(overlay.findings[0]?.reason ?? '', /unknown rule NET-99/);
  t.same(lintPolicyFile(join(dir, 'list.yaml')), { kind: 'allowlist', findings: [] });
  const other = lintPolicyFile(join(dir, 'other.yaml'));
  t.equal(other.kind, null);
  t.match(other.findings[0]?.reason ?? '', /not an allowlist/);
});

t.test('lintPolicyFile applies an overlay to every role pack, as the server does at start', async (t) => {
  const dir = packDir({
    'ch-demo.yaml': 'site: ch-demo\nversion: 1\noverrides:\n  - id: NET-05\n    parameters:\n      admin_addresses: 12\n',
    'ch-ok.yaml': 'site: ch-ok\nversion: 1\noverrides:\n  - id: NET-05\n    parameters:\n      admin_addresses: ["10.0.0.5"]\n',
  });
  const bad = lintPolicyFile(join(dir, 'ch-demo.yaml'));
  t.equal(bad.kind, 'overlay');
  t.equal(bad.findings.length, 1);
  t.match(bad.findings[0], { code: 'load', reason: /NET-05.*admin_addresses/ });
  t.same(lintPolicyFile(join(dir, 'ch-ok.yaml')), { kind: 'overlay', findings: [] });
});
