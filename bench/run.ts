// `npm run bench [-- NAME... --FLAG...]`: runs every bench/*.bench.ts (or those whose name contains
// NAME), each in its own process so one benchmark's heap does not skew the next; arguments starting
// with `--` (e.g. `--full`) are passed to each benchmark.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flags = args.filter((arg) => arg.startsWith('--'));
const filters = args.filter((arg) => !arg.startsWith('--'));
const benches = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();
let failed = 0;
for (const name of benches) {
  console.log(`\n== ${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, name), ...flags], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
