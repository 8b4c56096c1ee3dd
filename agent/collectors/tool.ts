// Shared plumbing of the Linux evidence collectors: read a file under a root (tests point it at a
// temp tree), run a tool with a clean C-locale environment, turn a failure into a reason.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, stderrSummary } from '../run-command.js';
import { bounded } from './redact.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A file's text, or null when it does not exist. Other errors (permission) throw. */
export async function readOptional(root: string, path: string): Promise<string | null> {
  try {
    const data = await readFile(join(root, path));
    if (data.length > MAX_CONFIG_BYTES) throw new Error(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
    return data.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new Error(`cannot read ${path}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
}

/** File names of a directory matching `filter`, sorted; [] when it does not exist. */
export async function listDir(root: string, dir: string, filter: (name: string) => boolean = () => true): Promise<string[]> {
  try {
    return (await readdir(join(root, dir))).filter(filter).sort().slice(0, 256);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new Error(`cannot list ${dir}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
}

export type ToolRun = { stdout: string } | { missing: true; reason: string } | { error: string };

/** Runs a tool; `missing` when not installed, `error` with its own message otherwise. */
export async function runTool(binary: string, args: readonly string[], options: { timeoutMs?: number; okCodes?: number[]; env?: NodeJS.ProcessEnv } = {}): Promise<ToolRun> {
  const run = await runCommand(binary, args, {
    timeoutMs: options.timeoutMs ?? 15_000,
    maxOutputBytes: 16 * 1024 * 1024,
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', TZ: 'UTC' },
  });
  if (!run.ok) return run.failure === 'not_found' ? { missing: true, reason: run.reason } : { error: run.reason };
  if (!(options.okCodes ?? [0]).includes(run.code)) {
    return { error: bounded(`${binary.split('/').pop()} ${args[0] ?? ''} failed (exit ${run.code}): ${stderrSummary(run.stderr) || 'no message'}`, 500) };
  }
  return { stdout: run.stdout };
}

export function messageOf(error: unknown): string {
  return bounded(error instanceof Error ? error.message : String(error), 500);
}
