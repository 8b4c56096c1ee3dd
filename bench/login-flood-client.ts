// Child process of bench/login-flood.bench.ts: the flood itself, in its own process so that its
// work (64 clients, ~300 requests a second) does not delay the event loop that times the genuine
// logins and reports, and at the lowest priority (it stands for remote machines, whose CPU is not
// the server's; on loopback it shares the cores).
//   tsx bench/login-flood-client.ts '{"base":..., "victim":..., "seconds":..., "rate":..., "workers":..., "addresses":..., "max":...}'
// Prints {"until": epoch ms} as it starts, sends wrong logins for `seconds`, then prints the answers
// by status (one JSON line).
import { Agent } from 'node:http';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { postJson } from '../tests/helpers/http-client.js';

interface FloodArgs {
  base: string;
  victim: string;
  seconds: number;
  rate: number;
  workers: number;
  addresses: number;
  max: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as FloodArgs;
setPriority(19);
const statuses: Record<number, number> = {};
const agents = Array.from({ length: args.addresses }, (_, i) => new Agent({ keepAlive: true, localAddress: `127.0.9.${1 + i}` }));
const started = Date.now();
const until = started + args.seconds * 1000;
console.log(JSON.stringify({ until }));
let sent = 0;
const worker = async (w: number) => {
  while (Date.now() < until && sent < args.max) {
    // Pace: request n leaves no earlier than n / rate seconds after the start.
    const due = started + (sent * 1000) / args.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    sent++;
    // Half on the victim's account, half on fresh unknown usernames.
    const username = sent % 2 === 0 ? args.victim : `intruder${sent}`;
    const a = await postJson(args.base, '/api/v1/auth/login', { username, password: `guess number ${sent}` }, { agent: agents[w % args.addresses]! });
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  }
};
await Promise.all(Array.from({ length: args.workers }, (_, w) => worker(w)));
for (const agent of agents) agent.destroy();
console.log(JSON.stringify(statuses));
