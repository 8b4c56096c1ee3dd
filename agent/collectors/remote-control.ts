// Remote-control products on Linux (NET-08): installed packages (dpkg or rpm), running processes
// (/proc/<pid>/comm) and their established connections (socket table). Privilege: package lists
// and comm names are world-readable; mapping sockets to processes needs CAP_SYS_PTRACE (else
// `connected` is null).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RemoteControlTool, Unavailable } from '../../policies/evidence.js';
import { STATE_ESTABLISHED } from './parse-proc-net.js';
import { readSocketTable } from './socket-table.js';
import { messageOf, runTool } from './tool.js';

/** Product -> package names and process names (comm, at most 15 characters). */
export const REMOTE_CONTROL_PRODUCTS: readonly { product: string; packages: RegExp; processes: RegExp }[] = [
  { product: 'teamviewer', packages: /^teamviewer(-host)?$/, processes: /^(teamviewerd|TeamViewer)$/ },
  { product: 'anydesk', packages: /^anydesk$/, processes: /^anydesk$/ },
  { product: 'rustdesk', packages: /^rustdesk$/, processes: /^rustdesk$/ },
  { product: 'vnc', packages: /^(x11vnc|tigervnc-(standalone|scraping)-server|tightvncserver|realvnc-vnc-server|vino|krfb)$/, processes: /^(x11vnc|Xvnc|Xtigervnc|vncserver-x11|vino-server|krfb)/ },
  { product: 'xrdp', packages: /^xrdp$/, processes: /^xrdp(-sesman)?$/ },
  { product: 'chrome-remote-desktop', packages: /^chrome-remote-desktop$/, processes: /^chrome-remote-d/ },
  { product: 'nomachine', packages: /^nomachine$/, processes: /^nx(server|node|d)$/ },
  { product: 'meshcentral', packages: /^meshagent$/, processes: /^meshagent$/ },
  { product: 'dwservice', packages: /^dwagent$/, processes: /^dwagent$/ },
  { product: 'screenconnect', packages: /^(screenconnect|connectwisecontrol)/, processes: /^(ScreenConnect|connectwisecon)/ },
  { product: 'splashtop', packages: /^splashtop-streamer$/, processes: /^SRStreamer$/ },
];

export async function collectRemoteControl(options: { procRoot?: string; dpkgQuery?: string; rpm?: string } = {}): Promise<RemoteControlTool[] | Unavailable> {
  const procRoot = options.procRoot ?? '/proc';
  const packages = await installedPackages(options);
  if ('unavailable' in packages) return packages;
  let processes: { pid: number; comm: string }[];
  try {
    processes = await runningProcesses(procRoot);
  } catch (error) {
    return { unavailable: `process list unreadable: ${messageOf(error)}` };
  }
  let connectedPids: Set<number> | null = null;
  try {
    const table = readSocketTable(procRoot, (s) => s.state === STATE_ESTABLISHED);
    connectedPids = new Set([...table.owners.values()].map((o) => o.pid).filter((p): p is number => p !== null));
  } catch {
    connectedPids = null;
  }
  const found: RemoteControlTool[] = [];
  for (const p of REMOTE_CONTROL_PRODUCTS) {
    const pkg = packages.names.find((n) => p.packages.test(n));
    const procs = processes.filter((x) => p.processes.test(x.comm));
    if (!pkg && procs.length === 0) continue;
    const found_by: RemoteControlTool['found_by'] = [];
    if (pkg) found_by.push('package');
    if (procs.length > 0) found_by.push('process');
    found.push({
      product: p.product,
      found_by,
      name: (pkg ?? procs[0]?.comm ?? p.product).slice(0, 128),
      running: procs.length > 0,
      connected: procs.length === 0 ? false : connectedPids === null ? null : procs.some((x) => connectedPids?.has(x.pid)),
    });
  }
  return found;
}

async function installedPackages(options: { dpkgQuery?: string; rpm?: string }): Promise<{ names: string[] } | Unavailable> {
  const dpkg = await runTool(options.dpkgQuery ?? 'dpkg-query', ['-W', '-f', '${Package} ${db:Status-Abbrev}\\n']);
  if ('stdout' in dpkg) {
    return { names: dpkg.stdout.split('\n').filter((l) => /\sii\s*$/.test(l)).map((l) => l.split(' ')[0] ?? '').filter(Boolean) };
  }
  const rpm = await runTool(options.rpm ?? 'rpm', ['-qa', '--qf', '%{NAME}\\n']);
  if ('stdout' in rpm) return { names: rpm.stdout.split('\n').filter(Boolean) };
  return { unavailable: `no package database could be read (dpkg-query, rpm): ${'error' in dpkg ? dpkg.error : 'error' in rpm ? rpm.error : 'neither is installed'}` };
}

async function runningProcesses(procRoot: string): Promise<{ pid: number; comm: string }[]> {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).slice(0, 100_000)) {
    const comm = await readFile(join(procRoot, entry, 'comm'), 'utf8').catch(() => null);
    if (comm !== null) out.push({ pid: Number(entry), comm: comm.trim() });
  }
  return out;
}
