// Runs the real `vigie` launcher (bin/vigie.mjs, tsx loader included) in a child process, bounded
// in time, with childEnv() so the child is not traced for coverage. For the tests that check what
// an operator gets: exit codes, stdout, stderr.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.js';

export const VIGIE_BIN = fileURLToPath(new URL('../../bin/vigie.mjs', import.meta.url));

export interface VigieRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runVigie(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<VigieRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VIGIE_BIN, ...args], { env: childEnv(env), timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
