// A real dnsmasq (dnsmasq-base) on 127.0.0.1 at a free port, logging its queries to a file of
// its own temporary folder, answering the names the test gives from its configuration.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Dnsmasq {
  port: number;
  logFile: string;
  dir: string;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Starts dnsmasq with `--address=/name/ip` answers and `--cname`s; resolves once it logs that it started. */
export async function startDnsmasq(options: { addresses: [string, string][]; hostRecords?: [string, string][]; cnames?: [string, string][]; extraLog?: boolean }): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-dnsmasq-'));
  const logFile = join(dir, 'dnsmasq.log');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freeUdpPort();
    const args = [
      '--keep-in-foreground',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--conf-file=/dev/null',
      options.extraLog === false ? '--log-queries' : '--log-queries=extra',
      `--log-facility=${logFile}`,
      `--pid-file=${join(dir, 'pid')}`,
      ...(process.getuid?.() === 0 ? [`--user=${userInfo().username}`] : []),
      ...options.addresses.map(([name, ip]) => `--address=/${name}/${ip}`),
      ...(options.hostRecords ?? []).map(([name, ip]) => `--host-record=${name},${ip}`),
      ...(options.cnames ?? []).map(([alias, target]) => `--cname=${alias},${target}`),
    ];
    const child: ChildProcess = spawn('/usr/sbin/dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = await new Promise<boolean>((resolve) => {
      const deadline = Date.now() + 5000;
      const check = () => {
        if (child.exitCode !== null) return resolve(false);
        if (existsSync(logFile) && readFileSync(logFile, 'utf8').includes('started, version')) return resolve(true);
        if (Date.now() > deadline) return resolve(false);
        setTimeout(check, 25);
      };
      check();
    });
    if (started) {
      return {
        port,
        logFile,
        dir,
        stop: async () => {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    if (!/Address already in use/.test(stderr)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`dnsmasq did not start: ${stderr.trim()}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('dnsmasq: no free port after 5 attempts');
}
