// Reads the SFTP protocol (draft-ietf-secsh-filexfer-02, what OpenSSH speaks) as it passes through
// the bastion, both ways, without changing a byte, and reports the operations an auditor wants:
// files written (upload, path and bytes), files read (download), removals, renames, directories
// made or removed, attribute changes and links. Directory listings and stats are not reported.
// The bytes are relayed whatever this parser thinks of them; a malformed stream only stops the
// reporting (and says so once), never the relay.

const SSH_FXP = {
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  SETSTAT: 9,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  RENAME: 18,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
} as const;

const FLAG_WRITE = 0x02;
const FLAG_APPEND = 0x04;
const FLAG_CREAT = 0x08;
const FLAG_TRUNC = 0x10;

/** SFTP packets are at most this large in practice (OpenSSH: 256 KiB); anything larger is not SFTP. */
const MAX_PACKET = 1024 * 1024;
const MAX_TRACKED = 4096;

export type SftpOperation =
  | { op: 'upload' | 'download'; path: string; bytes: number; flags: string[] }
  | { op: 'remove' | 'mkdir' | 'rmdir' | 'setstat'; path: string }
  | { op: 'rename' | 'symlink'; path: string; to: string }
  | { op: 'unparsable'; path: '' };

class PacketSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  broken = false;

  constructor(private readonly onPacket: (packet: Buffer) => void) {}

  push(data: Buffer): void {
    if (this.broken) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
    while (this.pendingBytes >= 4) {
      const head = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      this.pending = [head];
      const length = head.readUInt32BE(0);
      if (length < 1 || length > MAX_PACKET) {
        this.broken = true;
        this.pending = [];
        return;
      }
      if (head.length < 4 + length) return;
      this.onPacket(head.subarray(4, 4 + length));
      const rest = head.subarray(4 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
  }
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): number {
    const value = this.buf.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }
  u32(): number {
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  u64(): number {
    const value = Number(this.buf.readBigUInt64BE(this.offset));
    this.offset += 8;
    return value;
  }
  bytes(): Buffer {
    const length = this.u32();
    if (this.offset + length > this.buf.length) throw new RangeError('string past the end of the packet');
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
}

interface OpenFile {
  path: string;
  pflags: number;
  written: number;
  read: number;
}

function flagNames(pflags: number): string[] {
  const names: string[] = [];
  if (pflags & FLAG_WRITE) names.push('write');
  if (pflags & FLAG_APPEND) names.push('append');
  if (pflags & FLAG_CREAT) names.push('create');
  if (pflags & FLAG_TRUNC) names.push('truncate');
  return names;
}

export class SftpObserver {
  private readonly opens = new Map<number, { path: string; pflags: number }>();
  private readonly reads = new Map<number, string>();
  private readonly files = new Map<string, OpenFile>();
  private readonly client: PacketSplitter;
  private readonly server: PacketSplitter;
  private reportedBroken = false;

  constructor(private readonly report: (operation: SftpOperation) => void) {
    this.client = new PacketSplitter((packet) => this.guard(() => this.fromClient(packet)));
    this.server = new PacketSplitter((packet) => this.guard(() => this.fromServer(packet)));
  }

  /** Bytes the vendor's client sent (requests). */
  clientData(data: Buffer): void {
    this.client.push(data);
    this.checkBroken();
  }

  /** Bytes the device's server answered. */
  serverData(data: Buffer): void {
    this.server.push(data);
    this.checkBroken();
  }

  /** Files still open when the channel ends are reported as they stand. */
  end(): void {
    for (const file of this.files.values()) this.reportFile(file);
    this.files.clear();
  }

  private checkBroken(): void {
    if ((this.client.broken || this.server.broken) && !this.reportedBroken) {
      this.reportedBroken = true;
      this.report({ op: 'unparsable', path: '' });
    }
  }

  private guard(work: () => void): void {
    try {
      work();
    } catch {
      this.client.broken = true;
      this.checkBroken();
    }
  }

  private reportFile(file: OpenFile): void {
    const flags = flagNames(file.pflags);
    if (file.pflags & (FLAG_WRITE | FLAG_APPEND | FLAG_CREAT | FLAG_TRUNC)) this.report({ op: 'upload', path: file.path, bytes: file.written, flags });
    else this.report({ op: 'download', path: file.path, bytes: file.read, flags });
  }

  private fromClient(packet: Buffer): void {
    const reader = new Reader(packet);
    const type = reader.byte();
    if (type === 1) return; // INIT carries no request id
    const id = reader.u32();
    switch (type) {
      case SSH_FXP.OPEN: {
        const path = reader.string();
        const pflags = reader.u32();
        if (this.opens.size < MAX_TRACKED) this.opens.set(id, { path, pflags });
        return;
      }
      case SSH_FXP.CLOSE: {
        const handle = reader.bytes().toString('hex');
        const file = this.files.get(handle);
        if (file !== undefined) {
          this.files.delete(handle);
          this.reportFile(file);
        }
        return;
      }
      case SSH_FXP.READ: {
        const handle = reader.bytes().toString('hex');
        if (this.files.has(handle) && this.reads.size < MAX_TRACKED) this.reads.set(id, handle);
        return;
      }
      case SSH_FXP.WRITE: {
        const handle = reader.bytes().toString('hex');
        reader.u64();
        const data = reader.bytes();
        const file = this.files.get(handle);
        if (file !== undefined) file.written += data.length;
        return;
      }
      case SSH_FXP.REMOVE:
        return this.report({ op: 'remove', path: reader.string() });
      case SSH_FXP.MKDIR:
        return this.report({ op: 'mkdir', path: reader.string() });
      case SSH_FXP.RMDIR:
        return this.report({ op: 'rmdir', path: reader.string() });
      case SSH_FXP.SETSTAT:
        return this.report({ op: 'setstat', path: reader.string() });
      case SSH_FXP.RENAME: {
        const path = reader.string();
        return this.report({ op: 'rename', path, to: reader.string() });
      }
      case SSH_FXP.SYMLINK: {
        // OpenSSH sends (target, link) in the reverse order of the draft; report both as given.
        const path = reader.string();
        return this.report({ op: 'symlink', path, to: reader.string() });
      }
      default:
        return;
    }
  }

  private fromServer(packet: Buffer): void {
    const reader = new Reader(packet);
    const type = reader.byte();
    if (type === 2) return; // VERSION
    const id = reader.u32();
    switch (type) {
      case SSH_FXP.HANDLE: {
        const open = this.opens.get(id);
        this.opens.delete(id);
        if (open !== undefined && this.files.size < MAX_TRACKED) {
          this.files.set(reader.bytes().toString('hex'), { path: open.path, pflags: open.pflags, written: 0, read: 0 });
        }
        return;
      }
      case SSH_FXP.DATA: {
        const handle = this.reads.get(id);
        this.reads.delete(id);
        const file = handle === undefined ? undefined : this.files.get(handle);
        if (file !== undefined) file.read += reader.bytes().length;
        return;
      }
      case SSH_FXP.STATUS:
        this.opens.delete(id);
        this.reads.delete(id);
        return;
      default:
        return;
    }
  }
}
