// Entry point of the `vigie` admin CLI (bin/vigie.mjs loads this file through tsx).
import { runCli } from './cli/run.js';

process.exitCode = await runCli(process.argv.slice(2));
