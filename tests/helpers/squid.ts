// A real Squid (Debian's squid package) on 127.0.0.1 at a free port, in a temporary folder of its
// own, writing its access.log in the native `squid` logformat. Names resolve from a hosts file
// the test gives (Squid's own resolver, so no DNS is needed); a `deny` list of domains is refused.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Squid {
  port: number;
  accessLog: string;
  /** The access log's lines once at least `n` are written (bounded wait). */
  lines(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSquid(options: { hosts: [string, string][]; deny: string[] }): Promise<Squid> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-squid-'));
  chmodSync(dir, 0o755);
  // Squid started as root drops to the `proxy` user: its log folder must be that user's.
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'proxy'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'proxy'], { encoding: 'utf8' }).trim());
    chownSync(logs, uid, gid);
  }
  writeFileSync(join(dir, 'hosts'), options.hosts.map(([name, ip]) => `${ip} ${name}`).join('\n') + '\n');
  const accessLog = join(logs, 'access.log');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freeTcpPort();
    const conf = [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${join(logs, 'squid.pid')}`,
      `cache_log ${join(logs, 'cache.log')}`,
      `access_log stdio:${accessLog} squid`,
      `hosts_file ${join(dir, 'hosts')}`,
      'dns_nameservers 127.0.0.1',
      'acl localnet src 127.0.0.0/8',
      ...(options.deny.length > 0 ? [`acl refused dstdomain ${options.deny.join(' ')}`, 'http_access deny refused'] : []),
      'http_access allow localnet',
      'http_access deny all',
      'cache deny all',
      `coredump_dir ${logs}`,
      'shutdown_lifetime 0 seconds',
    ].join('\n');
    writeFileSync(join(dir, 'squid.conf'), `${conf}\n`);
    const child: ChildProcess = spawn('/usr/sbin/squid', ['-N', '-f', join(dir, 'squid.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const cacheLog = join(logs, 'cache.log');
    const started = await new Promise<boolean>((resolve) => {
      const deadline = Date.now() + 15_000;
      const check = () => {
        if (child.exitCode !== null) return resolve(false);
        if (existsSync(cacheLog) && /Accepting HTTP Socket connections/.test(readFileSync(cacheLog, 'utf8'))) return resolve(true);
        if (Date.now() > deadline) return resolve(false);
        setTimeout(check, 50);
      };
      check();
    });
    if (!started) {
      child.kill('SIGKILL');
      if (attempt === 4) {
        const log = existsSync(cacheLog) ? readFileSync(cacheLog, 'utf8') : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`squid did not start: ${stderr.slice(-2000)} ${log.slice(-2000)}`);
      }
      continue;
    }
    const stop = async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    };
    const lines = async (n: number) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const text = existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '';
        const got = text.split('\n').filter((l) => l.length > 0);
        if (got.length >= n) return got;
        if (Date.now() > deadline) throw new Error(`squid logged ${got.length} of ${n} lines: ${text}`);
        await sleep(50);
      }
    };
    return { port, accessLog, lines, stop };
  }
  throw new Error('squid did not start');
}
