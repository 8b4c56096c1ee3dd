// Evaluation of 100,000 simulated hosts against the core rules of their role packs (issue 5
// target: <= 10 s here). Reports come from the demo fleet generator (server/demo/fleet.ts: five
// roles, three sites, the usual flaws) with many seeds, so the pool holds a few thousand distinct
// reports that the 100,000 evaluations cycle through; each report is judged by
// packFor(role, site) (cached packs and compiled allowlists, as the server does).
// Baseline in the same run: TypeBox validation of the same reports against the Report schema
// (what ingestion does before evaluation), so the ratio says how evaluation compares to it.
// Bounded: fixed counts and a time budget per measurement. The machine is shared: figures are
// noisy; wall-clock and CPU time are both printed.
// Run: npx tsx bench/evaluate.bench.ts
import { Compile } from 'typebox/compile';
import { Report } from '../policies/evidence.js';
import { evaluate } from '../policies/evaluate.js';
import { loadShippedPacks, packFor, type Pack } from '../policies/pack.js';
import { simulatedFleet } from '../server/demo/fleet.js';

const HOSTS = 100_000;
const POOL_SEEDS = 60;
const BUDGET_MS = 60_000;
const now = new Date('2026-03-02T09:00:00Z');

const pool: Report[] = [];
for (let seed = 1; seed <= POOL_SEEDS; seed++) {
  for (const [index, host] of simulatedFleet(seed).entries()) pool.push(host.report(`h-${seed}-${index}`, now));
}
const validator = Compile(Report);
const invalid = pool.filter((r) => !validator.Check(r)).length;
const packs = loadShippedPacks();
const noOverlays = new Map();
const roles = new Map<string, number>();
for (const r of pool) roles.set(r.host.role, (roles.get(r.host.role) ?? 0) + 1);
console.log(`report pool: ${pool.length} distinct reports (${invalid} invalid) from ${POOL_SEEDS} fleets; roles ${JSON.stringify(Object.fromEntries(roles))}`);

interface Run {
  seconds: number;
  cpuSeconds: number;
  done: number;
}

/** Runs `work` on hosts 0..count-1 (cycling the pool), stopping early at the time budget. */
function run(count: number, work: (report: Report) => number): { run: Run; total: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BUDGET_MS) * 1_000_000n;
  let total = 0;
  let done = 0;
  while (done < count) {
    for (let k = 0; k < 100 && done < count; k++, done++) total += work(pool[done % pool.length]!);
    if (process.hrtime.bigint() > deadline) break;
  }
  const used = process.cpuUsage(cpu);
  return { run: { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6, done }, total };
}

const statuses = { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 };
const rate = (r: Run) => `${Math.round(r.done / r.seconds).toLocaleString('en')} hosts/s (${Math.round(r.done / r.cpuSeconds).toLocaleString('en')} per CPU-second)`;

const baseline = run(HOSTS, (report) => (validator.Check(report) ? 1 : 0));
const evaluation = run(HOSTS, (report) => {
  const pack: Pack = packFor(report.host.role, report.host.site, packs, noOverlays);
  const verdicts = evaluate(report, pack, now);
  for (const v of verdicts) statuses[v.status]++;
  return verdicts.length;
});

console.log(`schema validation (baseline): ${baseline.run.done} reports in ${baseline.run.seconds.toFixed(2)} s = ${rate(baseline.run)}`);
console.log(
  `evaluation: ${evaluation.run.done} hosts, ${evaluation.total} verdicts in ${evaluation.run.seconds.toFixed(2)} s = ${rate(evaluation.run)}`,
);
console.log(`verdicts: ${JSON.stringify(statuses)}`);
console.log(
  `ratio evaluation time / validation time: ${(evaluation.run.seconds / baseline.run.seconds).toFixed(2)} (wall), ` +
    `${(evaluation.run.cpuSeconds / baseline.run.cpuSeconds).toFixed(2)} (CPU)`,
);
const complete = evaluation.run.done === HOSTS;
console.log(
  `target (issue 5): ${HOSTS} hosts in <= 10 s: ${complete && evaluation.run.seconds <= 10 ? 'met' : 'NOT met'} ` +
    `(${complete ? `${evaluation.run.seconds.toFixed(2)} s wall, ${evaluation.run.cpuSeconds.toFixed(2)} s CPU` : `stopped at the ${BUDGET_MS / 1000} s budget`})`,
);
if (invalid > 0) process.exitCode = 1;
