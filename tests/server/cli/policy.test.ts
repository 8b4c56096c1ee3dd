import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Compile } from 'typebox/compile';
import type { CliIo } from '../../../server/cli/io.js';
import { runCli } from '../../../server/cli/run.js';
import { VerdictSchema } from '../../../policies/verdict.js';
import { BUILDER_ADMIN_ADDRESS, buildReport, listener, withListeners } from '../../helpers/report-builder.js';
import { childEnv } from '../../helpers/child-env.js';
import { packForRole } from '../../../policies/pack.js';

const BIN = fileURLToPath(new URL('../../../bin/vigie.mjs', import.meta.url));

interface Captured extends CliIo {
  out: string[];
  err: string[];
}

function capture(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: {} };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await runCli(args, io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-cli-policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ENTRY = (id: string, cidr: string, expires = '2025-12-31T00:00:00Z') => `  - id: ${id}
    match: { cidr: ${cidr} }
    ports: [443]
    proto: tcp
    direction: egress
    roles: [server]
    purpose: vendor portal
    owner: DSI
    approved_at: "2025-01-01T00:00:00Z"
    expires_at: "${expires}"
    ticket: CHG-1
`;

const NOW = '2025-06-02T09:00:00Z';

t.test('policy list shows the shipped packs, and the rules of one pack', async (t) => {
  const all = await cli(['policy', 'list']);
  t.equal(all.code, 0);
  t.match(all.out, /^PACK\tVERSION\tROLES\tRULES\tALLOWLIST\tTITLE/);
  t.match(all.out, /\nserver\t2\tserver\t\d+\t0\tServeur/);
  t.match(all.out, /\nbase\t1\t\(abstract\)/);
  const json = await cli(['policy', 'list', '--json', '--lang', 'en']);
  const rows = JSON.parse(json.out) as { id: string; rules: number; title: string }[];
  t.same(rows.map((r) => r.id), ['admin-workstation', 'backup-server', 'base', 'catalogue-completion', 'server', 'telemaintenance-gateway', 'workstation']);
  t.equal(rows.find((r) => r.id === 'server')?.title, 'Server');
  t.ok(rows.every((r) => r.rules >= 4));

  const gw = await cli(['policy', 'list', '--pack', 'telemaintenance-gateway', '--lang', 'en']);
  t.equal(gw.code, 0);
  t.match(gw.out, new RegExp(`^telemaintenance-gateway v${packForRole('telemaintenance-gateway').version} — Telemaintenance gateway`));
  t.match(gw.out, /\nNET-05\thigh\tcritical\t[a-z,-]+\tListening services allowlisted per role/, 'shows the escalated severity');
  const fr = await cli(['policy', 'list', '--pack', 'server']);
  t.match(fr.out, /WIFI-01\tmedium\tcritical\t.*\tWi-Fi désactivé si non requis/, 'French by default');
  const missing = await cli(['policy', 'list', '--pack', 'nope']);
  t.equal(missing.code, 2);
  t.match(missing.err, /no shipped pack of that name/);
});

t.test('policy lint: file:line: reason, exit 1 on findings, 0 when clean, 2 on usage', async (t) => {
  const dir = tempFiles({
    'bad.yaml': `entries:\n${ENTRY('wide', '10.0.0.0/8')}${ENTRY('long', '10.1.2.0/24', '2027-01-01T00:00:00Z')}`,
    'good.yaml': `entries:\n${ENTRY('ok', '10.1.2.0/24')}`,
    'site-pack.yaml':
      'id: site-pack\nversion: 2\ntitle: { fr: S, en: S }\nroles: [server]\nextends: [server]\n' +
      `allowlist:\n${ENTRY('inline-wide', '192.168.0.0/16').replace(/^ {2}/gm, '  ')}allowlist_files: [bad.yaml]\n`,
    'chi-vallee.yaml': 'site: chi-vallee\nversion: 1\noverrides:\n  - { id: NET-05, parameters: { ssh_port: "22" } }\n',
  });
  const bad = await cli(['policy', 'lint', join(dir, 'bad.yaml')]);
  t.equal(bad.code, 1);
  t.match(bad.out, `${join(dir, 'bad.yaml')}:3: [cidr-too-wide] wide: 10.0.0.0/8 is wider than /24`);
  t.match(bad.out, new RegExp(`bad.yaml:\\d+: \\[expiry-too-long\\] long: expires 730 days after approval`));
  t.match(bad.err, /2 finding\(s\)/);

  const good = await cli(['policy', 'lint', join(dir, 'good.yaml'), 'policies/packs/server.yaml']);
  t.equal(good.code, 0, good.out);
  t.equal(good.out, '');
  t.match(good.err, /good.yaml: OK \(allowlist\)/);
  t.match(good.err, /server.yaml: OK \(pack\)/);

  const pack = await cli(['policy', 'lint', join(dir, 'site-pack.yaml')]);
  t.equal(pack.code, 1);
  t.match(pack.out, /site-pack.yaml:8: \[cidr-too-wide\] inline-wide: 192.168.0.0\/16/, 'inline pack entries, with their line');
  t.match(pack.out, /bad.yaml:3: \[cidr-too-wide\] wide/, 'entries of allowlist_files, in their own file');

  const overlay = await cli(['policy', 'lint', join(dir, 'chi-vallee.yaml')]);
  t.equal(overlay.code, 1, 'the overlay is applied to the role packs: a parameter that does not fit is a finding');
  t.match(overlay.out, /chi-vallee.yaml:\d+: \[load\] .*NET-05.*ssh_port/);
  const missing = await cli(['policy', 'lint', join(dir, 'nope.yaml')]);
  t.equal(missing.code, 1);
  t.match(missing.out, /nope.yaml:1: \[io\] cannot read file/);
  const usage = await cli(['policy', 'lint']);
  t.equal(usage.code, 2);
  t.match(usage.err, /give at least one FILE/);
});

t.test('policy eval prints verdicts, or a JSON array; bad reports name the field', async (t) => {
  const report = withListeners(buildReport(), [listener(22, BUILDER_ADMIN_ADDRESS, 'tcp', 'sshd'), listener(5900, '0.0.0.0', 'tcp', 'x11vnc')]);
  const broken = structuredClone(report) as unknown as { network: { listeners: { port: unknown }[] } };
  broken.network.listeners[0]!.port = 'twenty-two';
  const dir = tempFiles({
    'report.json': JSON.stringify(report),
    'broken.json': JSON.stringify(broken),
    'notjson.json': '{ "schema_version": 1,',
    'chi-vallee.yaml': `site: chi-vallee\nversion: 5\noverrides:\n  - { id: NET-05, parameters: { admin_addresses: [${BUILDER_ADMIN_ADDRESS}] } }\n`,
  });
  const text = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'report.json'), '--now', NOW, '--lang', 'en']);
  t.equal(text.code, 0, text.err);
  t.match(text.out, /^srv-01.ch-demo.local \(server, site ch-demo\), collected 2025-06-02T08:00:00.000Z, judged at 2025-06-02T09:00:00.000Z by server v2/);
  t.match(text.out, /\nFAIL +high +NET-05 +Listening services allowlisted per role: .*5900/);
  t.match(text.out, /\nPASS +critical AUTH-01/);
  t.match(text.out, /\d+ pass, \d+ warn, 1 fail/);
  const fr = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'report.json'), '--now', NOW]);
  t.match(fr.out, /Services en écoute conformes au rôle/, 'French by default');

  const json = await cli(['policy', 'eval', '--pack', 'policies/packs/server.yaml', '--evidence', join(dir, 'report.json'), '--now', NOW, '--json']);
  t.equal(json.code, 0);
  const verdicts = JSON.parse(json.out) as unknown[];
  t.ok(Array.isArray(verdicts) && verdicts.length >= 4);
  const check = Compile(VerdictSchema);
  t.ok(verdicts.every((v) => check.Check(v)), 'every item is a Verdict');

  const stale = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'report.json'), '--now', '2025-06-04T09:00:00Z', '--json']);
  t.ok((JSON.parse(stale.out) as { status: string }[]).every((v) => v.status === 'unknown'), '--now is honoured (stale evidence)');

  const overlaid = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'report.json'), '--overlay', join(dir, 'chi-vallee.yaml'), '--now', NOW, '--lang', 'en']);
  t.match(overlaid.out, /by server v2 \+ site chi-vallee v5/);
  t.match(overlaid.err, /overlay is for site chi-vallee, the report's host is at site ch-demo/);

  const bad = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'broken.json')]);
  t.equal(bad.code, 1);
  t.match(bad.err, /broken.json: not a valid Vigie report: \/network\/listeners\/0\/port: must be integer/);
  const notJson = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'notjson.json')]);
  t.equal(notJson.code, 1);
  t.match(notJson.err, /notjson.json: not valid JSON/);
  const noFile = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'nope.json')]);
  t.equal(noFile.code, 1);
  t.match(noFile.err, /cannot read the report/);
  const badNow = await cli(['policy', 'eval', '--pack', 'server', '--evidence', join(dir, 'report.json'), '--now', 'yesterday']);
  t.equal(badNow.code, 2);
  t.match(badNow.err, /--now "yesterday"/);
  const noPack = await cli(['policy', 'eval', '--evidence', join(dir, 'report.json')]);
  t.equal(noPack.code, 2);
  t.match(noPack.err, /--pack is required/);
  const badPackFile = await cli(['policy', 'eval', '--pack', join(dir, 'chi-vallee.yaml'), '--evidence', join(dir, 'report.json')]);
  t.equal(badPackFile.code, 1);
  t.match(badPackFile.err, /chi-vallee.yaml: .*missing field/);
});

t.test('the real launcher exits 1 on lint findings', async (t) => {
  const dir = tempFiles({ 'bad.yaml': `entries:\n${ENTRY('wide', '10.0.0.0/8')}` });
  const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'policy', 'lint', join(dir, 'bad.yaml')], { timeout: 60_000, env: childEnv() });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
  t.equal(run.code, 1);
  t.match(run.stdout, /bad.yaml:3: \[cidr-too-wide\] wide/);
});

