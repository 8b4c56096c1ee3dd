// Collects the failing tests of a TAP stream (tap --reporter=tap), so the test command can print
// them again after the coverage table: CI shows only the tail of a long run, and a failure named
// 20,000 lines earlier was invisible there (stops 22 and 23 each failed on one unnamed assertion).
//
// A failure is reported as its path of test names (file > subtest > assertion) with the first
// lines of its YAML diagnostic (at, expected/found, error), bounded so the tail stays readable.

const NOT_OK = /^(\s*)not ok \d+ - (.*?)(?:\s+#\s*(?:time=.*|TODO.*|SKIP.*))?$/;
const OK = /^(\s*)ok \d+ - (.*?)(?:\s+#.*)?$/;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const DIAG_LINES = 14;
// YAML keys of a diagnostic that say nothing a reader of the tail needs (the failing line is
// already in `at`); their nested lines are skipped too.
const NOISE = new Set(['source', 'stack', 'compare', 'typeName', 'columnNumber', 'isToplevel', 'methodName',
  'functionName', 'stdio', 'cwd', 'command', 'args', 'externalID', 'signal']);

export class TapFailures {
  constructor({ maxFailures = 12 } = {}) {
    this.maxFailures = maxFailures;
    this.failures = [];
    this.count = 0;
    this.open = []; // names of the subtests open at each indentation depth
    this.pending = null; // a failure whose YAML block may start on the next line
    this.diag = null; // the failure whose YAML block is being read
    this.diagIndent = 0;
    this.skipping = false;
    this.partial = '';
  }

  write(chunk) {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end() {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  line(raw) {
    const line = raw.replace(/\r$/, '');
    if (this.pending) {
      const failure = this.pending;
      this.pending = null;
      const start = /^(\s*)---\s*$/.exec(line);
      if (start) {
        this.diag = failure;
        this.diagIndent = start[1].length;
        this.skipping = false;
        return;
      }
    }
    if (this.diag) {
      if (/^\s*\.\.\.\s*$/.test(line)) {
        this.diag = null;
        return;
      }
      this.diagLine(line);
      return;
    }
    const sub = SUBTEST.exec(line);
    if (sub) {
      const depth = sub[1].length / 4;
      this.open.length = depth;
      this.open[depth] = sub[2];
      return;
    }
    const failed = NOT_OK.exec(line);
    if (failed) {
      const depth = failed[1].length / 4;
      this.open.length = Math.max(0, Math.min(this.open.length, depth + 1));
      // A parent's "not ok" repeats its children's failures: keep only the deepest ones
      // (assertions), and a parent only when none of its children were recorded (crash, timeout).
      const path = [...this.open.slice(0, depth).filter(Boolean), failed[2]];
      const prefix = path.join(' > ');
      const covered = this.failures.some((f) => f.path.startsWith(prefix + ' > '));
      this.open.length = depth;
      if (covered) {
        this.pending = { path: prefix, lines: [] }; // its YAML block is read and dropped
        return;
      }
      this.count += 1;
      if (this.failures.length < this.maxFailures) {
        const failure = { path: prefix, lines: [] };
        this.failures.push(failure);
        this.pending = failure;
      } else {
        this.pending = { path: prefix, lines: [] };
      }
      return;
    }
    const passed = OK.exec(line);
    if (passed) this.open.length = passed[1].length / 4;
  }

  diagLine(line) {
    const body = line.slice(this.diagIndent);
    const key = /^(\s*)([A-Za-z]+):/.exec(body);
    if (key && key[1].length === 0) this.skipping = NOISE.has(key[2]);
    else if (key && key[1].length === 2 && this.skipping === false) {
      if (NOISE.has(key[2])) return;
    }
    if (this.skipping || this.diag.lines.length >= DIAG_LINES || body.trim() === '') return;
    this.diag.lines.push(body.trimEnd());
  }

  report() {
    if (this.count === 0) return '';
    const out = [`# Failed tests (${this.count}):`];
    for (const failure of this.failures) {
      out.push(`not ok - ${failure.path}`);
      for (const l of failure.lines) out.push(`    ${l}`);
    }
    if (this.count > this.failures.length) out.push(`# ... and ${this.count - this.failures.length} more`);
    return out.join('\n');
  }
}
