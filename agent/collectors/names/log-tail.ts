// Reads what a log file gained since the last read: a byte offset per file (and its inode, so a
// rotated file is read from its start), at most `maxBytes` per read, whole lines only.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

export interface TailCursor {
  inode: number;
  offset: number;
}

export interface TailRead {
  text: string;
  cursor: TailCursor;
}

/**
 * The complete lines appended after `cursor` (from the start when the file was rotated or
 * truncated; from the end when there is no cursor yet, so a first start does not replay history).
 */
export function readNewLines(path: string, cursor: TailCursor | null, maxBytes = 4 * 1024 * 1024): TailRead {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    let offset: number;
    if (cursor === null) offset = stat.size;
    else if (cursor.inode !== stat.ino || cursor.offset > stat.size) offset = 0;
    else offset = cursor.offset;
    const length = Math.min(stat.size - offset, maxBytes);
    if (length <= 0) return { text: '', cursor: { inode: stat.ino, offset } };
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    const lastNewline = buffer.lastIndexOf(0x0a, read - 1);
    if (lastNewline < 0) {
      // One line longer than maxBytes: skip it rather than stall on it for ever.
      return { text: '', cursor: { inode: stat.ino, offset: read === maxBytes ? offset + read : offset } };
    }
    return { text: buffer.subarray(0, lastNewline + 1).toString('utf8'), cursor: { inode: stat.ino, offset: offset + lastNewline + 1 } };
  } finally {
    closeSync(fd);
  }
}

/** True when the file exists and can be opened for reading. */
export function readable(path: string): string | null {
  try {
    statSync(path);
    closeSync(openSync(path, 'r'));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
