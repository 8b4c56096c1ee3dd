// Pure parser of the kernel's socket tables (/proc/net/tcp, tcp6, udp, udp6). Reading them
// directly needs no netstat/ss (absent on minimal hosts) and sees UDP sockets too.
// Format (one line per socket, after a header):
//   sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//    0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0   0 12345 ...
// Addresses are hex in host byte order, 32-bit word by 32-bit word.

export type SocketProtocol = 'tcp' | 'udp';

export interface KernelSocket {
  protocol: SocketProtocol;
  local_address: string;
  local_port: number;
  remote_address: string;
  remote_port: number;
  /** Kernel TCP state number (for UDP: 1 = connected, 7 = unconnected). */
  state: number;
  inode: number;
}

/** TCP_ESTABLISHED: also what a connect()ed UDP socket shows. */
export const STATE_ESTABLISHED = 0x01;
/** TCP_CLOSE: what an unconnected (bound) UDP socket shows. */
export const STATE_CLOSE = 0x07;
export const STATE_LISTEN = 0x0a;

const MAX_LINES = 200_000;

export function parseProcNet(text: string, protocol: SocketProtocol, littleEndian: boolean): KernelSocket[] {
  const lines = text.split('\n');
  if (lines.length > MAX_LINES) throw new Error(`socket table too large: ${lines.length} lines`);
  const header = lines[0] ?? '';
  if (!/\blocal_address\b/.test(header)) throw new Error('not a /proc/net socket table (no header)');
  const sockets: KernelSocket[] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const local = parseEndpoint(fields[1] ?? '', littleEndian);
    const remote = parseEndpoint(fields[2] ?? '', littleEndian);
    const state = Number.parseInt(fields[3] ?? '', 16);
    const inode = Number.parseInt(fields[9] ?? '', 10);
    if (!local || !remote || !Number.isFinite(state) || !Number.isFinite(inode)) {
      throw new Error(`malformed socket table line: ${line.trim().slice(0, 120)}`);
    }
    sockets.push({
      protocol,
      local_address: local.address,
      local_port: local.port,
      remote_address: remote.address,
      remote_port: remote.port,
      state,
      inode,
    });
  }
  return sockets;
}

function parseEndpoint(text: string, littleEndian: boolean): { address: string; port: number } | null {
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!match) return null;
  const hex = match[1] ?? '';
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  const address = bytes.length === 4 ? bytes.join('.') : formatIpv6(bytes);
  return { address, port: Number.parseInt(match[2] ?? '', 16) };
}

/** RFC 5952 text form; IPv4-mapped addresses are given as plain IPv4 (that is what they are). */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return bytes.slice(12, 16).join('.');
  }
  // Longest run of >= 2 zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hexGroups = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexGroups.join(':');
  const head = hexGroups.slice(0, bestStart).join(':');
  const tail = hexGroups.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** Loopback or unspecified: not a flow leaving the host. */
export function isLocalOnlyAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::';
}
