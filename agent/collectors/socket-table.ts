// Reads the kernel's socket tables and finds which process owns each socket, by matching the
// socket inodes against the `socket:[inode]` links in /proc/<pid>/fd. Without root, sockets of
// other users' processes keep pid/process null (honestly unknown, never guessed).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { parseProcNet, type KernelSocket, type SocketProtocol } from './parse-proc-net.js';

export interface SocketOwner {
  pid: number;
  process: string | null;
}

export interface SocketTable {
  sockets: KernelSocket[];
  owners: Map<number, SocketOwner>;
}

const TABLES: ReadonlyArray<{ file: string; protocol: SocketProtocol; optional: boolean }> = [
  { file: 'net/tcp', protocol: 'tcp', optional: false },
  { file: 'net/tcp6', protocol: 'tcp', optional: true }, // absent when IPv6 is disabled
  { file: 'net/udp', protocol: 'udp', optional: false },
  { file: 'net/udp6', protocol: 'udp', optional: true },
];

/** Bound on the number of fd links examined, so a host with huge fd tables cannot stall a cycle. */
const MAX_FD_LINKS = 200_000;
const MAX_TABLE_BYTES = 32 * 1024 * 1024;

/** Reads the tables and resolves owners for the sockets `wanted` selects. Throws on unreadable tables. */
export function readSocketTable(procRoot: string, wanted: (socket: KernelSocket) => boolean): SocketTable {
  const sockets = readKernelSockets(procRoot);
  const inodes = new Set(sockets.filter(wanted).map((s) => s.inode).filter((inode) => inode > 0));
  return { sockets, owners: findSocketOwners(procRoot, inodes) };
}

/** The four socket tables, parsed. Throws when tcp or udp cannot be read or parsed. */
export function readKernelSockets(procRoot: string): KernelSocket[] {
  const littleEndian = endianness() === 'LE';
  const sockets: KernelSocket[] = [];
  for (const table of TABLES) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, table.file), 'utf8');
    } catch (error) {
      if (table.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`cannot read ${join(procRoot, table.file)}: ${(error as Error).message}`);
    }
    if (text.length > MAX_TABLE_BYTES) throw new Error(`${table.file} is larger than ${MAX_TABLE_BYTES} bytes`);
    sockets.push(...parseProcNet(text, table.protocol, littleEndian));
  }
  return sockets;
}

export function findSocketOwners(procRoot: string, inodes: ReadonlySet<number>): Map<number, SocketOwner> {
  const owners = new Map<number, SocketOwner>();
  if (inodes.size === 0) return owners;
  let examined = 0;
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return owners;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, entry, 'fd'));
    } catch {
      continue; // process gone, or not ours to look at without root
    }
    let name: string | null | undefined;
    for (const fd of fds) {
      examined += 1;
      if (examined > MAX_FD_LINKS) return owners;
      let link: string;
      try {
        link = readlinkSync(join(procRoot, entry, 'fd', fd));
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (!match) continue;
      const inode = Number(match[1]);
      if (!inodes.has(inode) || owners.has(inode)) continue;
      if (name === undefined) name = processName(procRoot, entry);
      owners.set(inode, { pid: Number(entry), process: name });
      if (owners.size === inodes.size) return owners;
    }
  }
  return owners;
}

function processName(procRoot: string, pid: string): string | null {
  try {
    const comm = readFileSync(join(procRoot, pid, 'comm'), 'utf8').trim();
    return comm.length > 0 ? comm.slice(0, 128) : null;
  } catch {
    return null;
  }
}
