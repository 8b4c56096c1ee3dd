#!/usr/bin/env node
// The project's one test command: type-check, the import check, the docs' link check, then the
// tap suite, then the failing tests again (if any) and a closing line "N passed, N failed" (the
// form CI reads). Extra arguments are passed to tap.
import { spawn, spawnSync } from 'node:child_process';
import { TapFailures } from './tap-failures.mjs';

const tools = spawnSync('bash', ['scripts/ensure-system-tools.sh'], { stdio: 'inherit' });
if (tools.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const tsc = spawnSync('npx', ['--no-install', 'tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('typecheck: failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log('typecheck: ok');

// No import circle, a pure policies/, agent/ and server/ apart (scripts/check-imports.mjs).
const imports = spawnSync(process.execPath, ['scripts/check-imports.mjs'], { stdio: 'inherit' });
if (imports.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Every relative link and #anchor of README.md and docs/*.md resolves (scripts/check-doc-links.mjs).
const docLinks = spawnSync(process.execPath, ['scripts/check-doc-links.mjs'], { stdio: 'inherit' });
if (docLinks.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const tap = spawn('npx', ['--no-install', 'tap', '--reporter=tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let summary = null;
let buffered = '';
// The failing tests, printed again after the coverage table: CI shows only the run's tail.
const failures = new TapFailures();
tap.stdout.setEncoding('utf8');
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  failures.write(chunk);
  buffered = (buffered + chunk).slice(-8192);
  const match = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?[^}]*\}/.exec(buffered);
  if (match) summary = { total: Number(match[1]), pass: Number(match[2]), fail: Number(match[3] ?? 0) };
});
tap.on('close', (code) => {
  failures.end();
  const digest = failures.report();
  if (digest) console.log(digest);
  const pass = summary?.pass ?? 0;
  // A tap failure without failing assertions (coverage floor, crash) still counts as one failure.
  const fail = (summary?.fail ?? 0) || (code === 0 ? 0 : 1);
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(code ?? 1);
});
