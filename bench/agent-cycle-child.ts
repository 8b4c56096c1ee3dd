// Runs inside the bundled benchmark process: collection cycles of the real collectors on this
// machine, each measured for CPU and wall time; peak RSS of the whole process at the end.
import { collectEvidence } from '../agent/collect.js';

const cycles = Number(process.argv[2] ?? '5');
const startup = process.resourceUsage();
const results: Array<{ cpuMs: number; wallMs: number }> = [];
for (let i = 0; i < cycles; i++) {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await collectEvidence({ backupSources: [] });
  const used = process.cpuUsage(cpu);
  results.push({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall });
}
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    startupCpuMs: (startup.userCPUTime + startup.systemCPUTime) / 1000,
    cycles: results,
    peakRssMb: usage.maxRSS / 1024,
  }),
);
