// Where the CLI writes, and what it reads from the environment (tests pass their own).
export interface CliIo {
  /** A human-readable line (a line feed is added when missing). */
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Bytes of a document (audit report, export) written exactly as given, no line feed added: the
   * operator redirects them to a file, and a report's SHA-256 must still match. Absent in test
   * captures, which then receive the document through stdout, unchanged.
   */
  data?(chunk: string): void;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    // On a terminal a document is read, not saved, so its control characters are escaped like any
    // output; redirected or piped, it is written byte for byte.
    data: (chunk) => process.stdout.write(process.stdout.isTTY ? terminalSafe(chunk) : chunk),
    env: process.env,
  };
}

/** Writes a document's bytes (see CliIo.data). */
export function writeData(io: CliIo, chunk: string): void {
  if (io.data === undefined) io.stdout(chunk);
  else io.data(chunk);
}

const UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

/**
 * Control characters (C0 but tab and line feed, a CR not ending a CRLF line, DEL, C1) and bidi
 * embeddings, overrides and isolates (U+202A-202E, U+2066-2069, which reorder what the operator
 * reads: a name can show as another) written as `\uXXXX`: host names and failed-login usernames are input from agents and strangers, and an
 * ESC or CSI sequence printed raw would drive the operator's terminal. Inside JSON output this is
 * the same string (a JSON escape), so JSON still parses back to the exact values.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `io` with every human-readable line written through terminalSafe. Documents (`data`) keep
 * their bytes: the wrapped io decides (processIo escapes them only on a terminal).
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    // Whatever else a command's I/O carries (standard input for --password-stdin) passes through.
    ...io,
    stdout: (text) => io.stdout(terminalSafe(text)),
    stderr: (text) => io.stderr(terminalSafe(text)),
    data: (chunk) => writeData(io, chunk),
    env: io.env,
  };
}
