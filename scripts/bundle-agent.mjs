#!/usr/bin/env node
// Builds the single-file agent (dist/vigie-agent.mjs): a workstation then needs only Node 20.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = process.argv[2] ?? resolve(root, 'dist/vigie-agent.mjs');
await build({
  entryPoints: [resolve(root, 'agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  legalComments: 'eof',
  // Some bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __vigieCreateRequire } from 'node:module'; const require = __vigieCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
// `vigie-agent check` reads the shipped packs next to the bundle (policies/pack.ts resolves
// them relative to the module, which is the bundle itself once built).
cpSync(resolve(root, 'policies/packs'), resolve(dirname(outfile), 'packs'), { recursive: true });
console.log(outfile);
