#!/usr/bin/env node
// Builds the agent as a Node single executable (Node 20 SEA): one file that needs no Node on
// the workstation. Node 20's SEA runs a CommonJS script, so the agent is bundled as CJS, with
// import.meta.url mapped to the executable's own location (the shipped packs go next to it).
//   node scripts/build-agent-sea.mjs [OUT_DIR]   ->  OUT_DIR/vigie-agent, OUT_DIR/packs/
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist/sea'));
mkdirSync(out, { recursive: true });
const script = join(out, 'vigie-agent.cjs');
await build({
  entryPoints: [join(root, 'agent/main.ts')],
  outfile: script,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__vigieModuleUrl' },
  banner: { js: "const __vigieModuleUrl = require('node:url').pathToFileURL(process.execPath).href;" },
  logLevel: 'warning',
});
const blob = join(out, 'sea-prep.blob');
const config = join(out, 'sea-config.json');
writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
const executable = join(out, 'vigie-agent');
copyFileSync(process.execPath, executable);
chmodSync(executable, 0o755);
execFileSync(
  process.execPath,
  [join(root, 'node_modules/postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
  { stdio: 'ignore' },
);
cpSync(join(root, 'policies/packs'), join(out, 'packs'), { recursive: true });
console.log(executable);
