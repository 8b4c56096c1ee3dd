// Agent benchmark: CPU time, wall time and peak RSS of collection cycles of the bundled agent
// on this machine, against a bare `node -e ''` measured in the same run.
// Targets (issue 3): a cycle <= 300 ms CPU; the agent's RSS <= 80 MB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const RUNS = 5;
const CYCLES = 5;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
const bundle = join(dir, 'agent-cycle.mjs');
await build({
  entryPoints: [resolve(import.meta.dirname, 'agent-cycle-child.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  logLevel: 'warning',
});

const baseline: Array<{ cpuMs: number; rssMb: number }> = [];
const agent: Array<{ startupCpuMs: number; cycles: Array<{ cpuMs: number; wallMs: number }>; peakRssMb: number }> = [];
for (let run = 0; run < RUNS; run++) {
  const bare = execFileSync(process.execPath, [
    '-e',
    "const u = process.resourceUsage(); console.log(JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMb: u.maxRSS / 1024 }))",
  ]);
  baseline.push(JSON.parse(bare.toString()));
  agent.push(JSON.parse(execFileSync(process.execPath, [bundle, String(CYCLES)], { timeout: 120_000 }).toString()));
}

const firstCycleCpu = median(agent.map((a) => a.cycles[0]!.cpuMs));
const warmCycleCpu = median(agent.flatMap((a) => a.cycles.slice(1).map((c) => c.cpuMs)));
const firstCycleWall = median(agent.map((a) => a.cycles[0]!.wallMs));
const warmCycleWall = median(agent.flatMap((a) => a.cycles.slice(1).map((c) => c.wallMs)));
const agentRss = median(agent.map((a) => a.peakRssMb));
const bareRss = median(baseline.map((b) => b.rssMb));
const bareCpu = median(baseline.map((b) => b.cpuMs));
const startupCpu = median(agent.map((a) => a.startupCpuMs));

const fmt = (n: number): string => n.toFixed(1);
console.log(`agent collection cycle (${RUNS} processes x ${CYCLES} cycles, medians, real collectors on this machine)`);
console.log(`  bare node -e '':          cpu ${fmt(bareCpu)} ms, peak RSS ${fmt(bareRss)} MB`);
console.log(`  agent start-up:           cpu ${fmt(startupCpu)} ms (${fmt(startupCpu / bareCpu)}x bare node)`);
console.log(`  first cycle:              cpu ${fmt(firstCycleCpu)} ms, wall ${fmt(firstCycleWall)} ms`);
console.log(`  later cycles:             cpu ${fmt(warmCycleCpu)} ms, wall ${fmt(warmCycleWall)} ms   target <= 300 ms cpu: ${warmCycleCpu <= 300 && firstCycleCpu <= 300 ? 'met' : 'MISSED'}`);
console.log(`  peak RSS:                 ${fmt(agentRss)} MB (${fmt(agentRss / bareRss)}x bare node, +${fmt(agentRss - bareRss)} MB)   target <= 80 MB: ${agentRss <= 80 ? 'met' : 'MISSED'}`);
