// Child process of bench/login-flood.bench.ts: the flood itself, in its own process so that its
// work (64 clients, ~300 requests a second) does not delay the event loop that times the genuine
// logins and reports, and at the lowest priority (it stands for remote machines, whose CPU is not
// the server's; on loopback it shares the cores).
//   tsx bench/login-flood-client.ts '{"base":..., "victim":..., "windowMs":..., "rounds":..., "rate":..., "workers":..., "addresses":..., "max":...}'
// Prints {"t0": epoch ms} as it starts, then runs `rounds` rounds of two windows of `windowMs`
// each: quiet (sends nothing), then flood (sends wrong logins), and prints the answers by status
// (one JSON line). Interleaving quiet and flood windows makes a drift of the machine's own load
// (other processes) weigh on both alike.
import { Agent } from 'node:http';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { postJson } from '../tests/helpers/http-client.js';

interface FloodArgs {
  base: string;
  victim: string;
  windowMs: number;
  rounds: number;
  rate: number;
  workers: number;
  addresses: number;
  max: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as FloodArgs;
setPriority(19);
const statuses: Record<number, number> = {};
const agents = Array.from({ length: args.addresses }, (_, i) => new Agent({ keepAlive: true, localAddress: `127.0.9.${1 + i}` }));
const t0 = Date.now() + 200;
console.log(JSON.stringify({ t0 }));
let sent = 0;
const worker = async (w: number, started: number, until: number, first: number) => {
  while (Date.now() < until && sent < args.max) {
    // Pace: request n of the window leaves no earlier than n / rate seconds after its start.
    const due = started + ((sent - first) * 1000) / args.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    if (Date.now() >= until) break;
    sent++;
    // Half on the victim's account, half on fresh unknown usernames.
    const username = sent % 2 === 0 ? args.victim : `intruder${sent}`;
    const a = await postJson(args.base, '/api/v1/auth/login', { username, password: `guess number ${sent}` }, { agent: agents[w % args.addresses]! });
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  }
};
for (let round = 0; round < args.rounds; round++) {
  const started = t0 + (2 * round + 1) * args.windowMs;
  if (started > Date.now()) await sleep(started - Date.now());
  const first = sent;
  await Promise.all(Array.from({ length: args.workers }, (_, w) => worker(w, started, started + args.windowMs, first)));
}
for (const agent of agents) agent.destroy();
console.log(JSON.stringify(statuses));
