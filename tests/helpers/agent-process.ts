// Real agent and server processes for runtime tests: the single-file agent bundle (the artifact
// a workstation runs, and fast to start) and the `vigie server start` CLI as a child process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childEnv } from './child-env.js';

const ROOT = resolve(import.meta.dirname, '../..');
let bundlePath: string | null = null;

/** Builds dist-like bundle once per test process (esbuild, well under a second). */
export function agentBundle(): string {
  if (bundlePath) return bundlePath;
  const out = join(mkdtempSync(join(tmpdir(), 'vigie-bundle-')), 'vigie-agent.mjs');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-agent.mjs'), out], { stdio: 'ignore', env: childEnv() });
  bundlePath = out;
  return out;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<ProcessResult> } {
  const child = spawn(process.execPath, [agentBundle(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({ VIGIE_LOG_LEVEL: 'info', ...env }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const done = new Promise<ProcessResult>((resolveDone) =>
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return spawnAgent(args, env).done;
}

/** Report ids waiting in an agent's outbox, oldest first, each parsed (so a corrupt file fails the test). */
export function outboxReportIds(stateDir: string): string[] {
  const dir = join(stateDir, 'outbox');
  if (!existsSync(dir)) return []; // killed before the outbox was ever created
  return readdirSync(dir)
    .filter((n) => /^\d{15}-\d{6}-[0-9a-f-]{36}\.json$/.test(n))
    .sort()
    .map((n) => (JSON.parse(readFileSync(join(dir, n), 'utf8')) as { report_id: string }).report_id);
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `vigie server start` as a real child process (so the test can SIGKILL it). */
export async function startServerProcess(dataDir: string, port: number): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/vigie.mjs'), 'server', 'start', '--data-dir', dataDir, '--port', String(port), '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: childEnv() },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server did not become healthy within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A free loopback port (bound then released; fine for tests on one machine). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
