// The one way the agent runs an external tool: an argument array (never a shell string), a
// timeout and an output cap. Failures come back as a reason a collector can put in `unavailable`.
import { spawn } from 'node:child_process';

export interface RunCommandOptions {
  /** Kill the tool (SIGKILL) after this many milliseconds. */
  timeoutMs: number;
  /** Kill the tool when stdout + stderr exceed this many bytes. */
  maxOutputBytes: number;
  /** Environment of the child; defaults to the agent's own environment. */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child. */
  cwd?: string;
}

export type RunCommandResult =
  | { ok: true; stdout: string; stderr: string; code: number }
  | { ok: false; reason: string; failure: RunFailure };

/** Why a tool could not be run to completion; `not_found` lets callers say "not installed". */
export type RunFailure = 'not_found' | 'permission' | 'timeout' | 'output_cap' | 'signal' | 'spawn';

const MAX_TIMEOUT_MS = 10 * 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs `file` with `args` and resolves with its output and exit code. A non-zero exit code is
 * still `ok: true` (callers decide what it means, e.g. `sshd -T` exit 255 plus its stderr);
 * `ok: false` means the tool could not be run to completion: missing, not permitted,
 * timed out, killed by a signal, or too talkative.
 */
export function runCommand(file: string, args: readonly string[], options: RunCommandOptions): Promise<RunCommandResult> {
  const { timeoutMs, maxOutputBytes } = options;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be an integer in 1..${MAX_TIMEOUT_MS}, got ${timeoutMs}`);
  }
  if (!Number.isInteger(maxOutputBytes) || maxOutputBytes <= 0 || maxOutputBytes > MAX_OUTPUT_BYTES) {
    throw new RangeError(`maxOutputBytes must be an integer in 1..${MAX_OUTPUT_BYTES}, got ${maxOutputBytes}`);
  }
  const label = describe(file);

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: RunCommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };

    let child;
    try {
      child = spawn(file, [...args], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
    } catch (error) {
      // spawn throws synchronously on invalid arguments (e.g. a NUL byte in an argument).
      resolve({ ok: false, failure: 'spawn', reason: `${label}: could not start: ${messageOf(error)}` });
      return;
    }

    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let total = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxOutputBytes) {
        child.kill('SIGKILL');
        finish({ ok: false, failure: 'output_cap', reason: `${label}: output exceeded ${maxOutputBytes} bytes, stopped` });
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, failure: 'timeout', reason: `${label}: timed out after ${timeoutMs} ms` });
    }, timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({ ok: false, failure: failureOf(error), reason: `${label}: ${spawnErrorText(error)}` });
    });
    child.on('close', (code, signal) => {
      if (code === null) {
        finish({ ok: false, failure: 'signal', reason: `${label}: killed by signal ${signal ?? 'unknown'}` });
        return;
      }
      finish({
        ok: true,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code,
      });
    });
  });
}

/** First non-empty lines of a tool's stderr, bounded, for use in an `unavailable` reason. */
export function stderrSummary(stderr: string, maxLength = 300): string {
  const text = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' | ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

function failureOf(error: NodeJS.ErrnoException): RunFailure {
  if (error.code === 'ENOENT') return 'not_found';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission';
  return 'spawn';
}

function spawnErrorText(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'not installed (executable not found)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${error.code})`;
    default:
      return `could not start: ${error.message}`;
  }
}

// Only the tool's name: arguments may hold a repository URL or a path a reason must not leak.
function describe(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).slice(0, 80);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
