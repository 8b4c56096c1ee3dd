// The README's main command, end to end: the demo starts the server, enrols this machine's real
// agent and the simulated GHT through the HTTP API, prints the verdicts, and (with --exit) stops.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childEnv } from '../../helpers/child-env.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function demo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/demo/main.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

t.test('the demo judges the local host and the simulated GHT, in French by default', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'vigie-demo-')), 'data');
  const run = await demo(['--exit', '--port', '0', '--data-dir', dataDir]);
  t.equal(run.code, 0, run.stderr.slice(-2000));
  t.match(run.stdout, /Agent local : rapport envoyé et jugé\./, 'the real agent of this machine reported');
  t.match(run.stdout, /Enrôlement et rapports de 48 hôtes simulés/);
  for (const site of ['chi-vallee', 'ch-plateau', 'ch-riviere']) t.match(run.stdout, new RegExp(`Site .*\\(${site}\\)`), site);
  t.match(run.stdout, /Synthèse des verdicts par site et par règle/);
  t.match(run.stdout, /Constats critiques et élevés/);
  t.match(run.stdout, /\[critical\] /, 'critical findings first');
  t.match(run.stdout, /Destinations : [1-9]\d* dans l’inventaire \(avec [1-9]\d* lignes du journal du proxy, dont [1-9]\d* attribuées aux postes qui les ont faites\), apprentissage chi-vallee\/workstation \(L-[0-9A-F]+\), [1-9]\d* propositions à examiner/, 'the Destinations page has an inventory and a learning scope');
});

t.test('--lang en speaks English; a bad option is refused', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'vigie-demo-')), 'data');
  const run = await demo(['--exit', '--port', '0', '--lang', 'en', '--data-dir', dataDir]);
  t.equal(run.code, 0, run.stderr.slice(-2000));
  t.match(run.stdout, /Verdicts per site and rule/);
  t.match(run.stdout, /Local agent: report sent and judged\./);
  const bad = await demo(['--exit', '--lang', 'de', '--data-dir', dataDir]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--lang must be fr or en/);
});
