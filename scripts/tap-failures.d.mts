// Types of scripts/tap-failures.mjs, for the test that drives it.
export declare class TapFailures {
  constructor(options?: { maxFailures?: number });
  /** Feeds a piece of the TAP stream, cut anywhere. */
  write(chunk: string): void;
  /** Flushes the last line. */
  end(): void;
  /** The digest of the failures seen ('' when none failed). */
  report(): string;
}
