// The SQLite database holds every host's evidence, the users' password hashes and the sealed
// secrets: other local accounts must not read it. New files are created 0600 (SQLite gives its
// -wal and -shm files the mode of the database file), the data folder 0700, and an existing
// folder or file that others can read, write or enter stops Vigie with the chmod to run (as an
// unsafe secrets.key does). Group access is left to the operator (a backup group, say).
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class DataFileModeError extends Error {
  override name = 'DataFileModeError';
}

const OTHERS = 0o007;

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Throws DataFileModeError when others have any access to `path`; false when it does not exist. */
function checkPrivate(path: string, what: string): boolean {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new DataFileModeError(`Cannot check the ${what} ${path}: ${errorCode(error)}.`);
  }
  if ((mode & OTHERS) !== 0) {
    throw new DataFileModeError(
      `The ${what} ${path} has mode ${octal(mode)}: other users of this machine can access it (it holds the hosts' evidence, ` +
        `password hashes and sealed secrets). Run \`chmod o-rwx ${path}\` (and check who could have read it meanwhile).`,
    );
  }
  return true;
}

/**
 * Before SQLite opens `<dataDir>/<fileName>`: the folder exists (0700 when created here) and
 * is private, the database and its -wal and -shm files are private, and a new database file is
 * created 0600 so SQLite's own files inherit that mode.
 */
export function prepareSqliteFiles(dataDir: string, fileName: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  checkPrivate(dataDir, 'data folder');
  const file = join(dataDir, fileName);
  for (const suffix of ['-wal', '-shm']) checkPrivate(`${file}${suffix}`, 'database file');
  if (!checkPrivate(file, 'database file')) {
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (error) {
      // Another process (a CLI command beside the server) created it first: check what it made.
      if (errorCode(error) !== 'EEXIST') throw new DataFileModeError(`Cannot create the database file ${file}: ${errorCode(error)}.`);
      checkPrivate(file, 'database file');
    }
  }
  return file;
}
