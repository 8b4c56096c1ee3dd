// The `vigie` admin CLI: dispatch to a command, print usage on --help, and map failures to exit
// codes (0 ok, 1 failure, 2 bad usage or configuration).
import { ConfigError } from '../config.js';
import { processIo, type CliIo } from './io.js';
import { UsageError } from './options.js';
import { hostList, hostRevoke, HOST_LIST_USAGE, HOST_REVOKE_USAGE } from './hosts.js';
import { serverStart, SERVER_START_USAGE } from './serve.js';
import { apiTokenCreate, APITOKEN_CREATE_USAGE, tokenCreate, TOKEN_CREATE_USAGE } from './tokens.js';

interface Command {
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  'server start': { usage: SERVER_START_USAGE, run: serverStart },
  'token create': { usage: TOKEN_CREATE_USAGE, run: tokenCreate },
  'apitoken create': { usage: APITOKEN_CREATE_USAGE, run: apiTokenCreate },
  'host list': { usage: HOST_LIST_USAGE, run: hostList },
  'host revoke': { usage: HOST_REVOKE_USAGE, run: hostRevoke },
};

export const USAGE = `Usage: vigie <command> [options]    (vigie <command> --help for details)

Commands:
  server start      start the Vigie server
  token create      create a one-time enrollment token for an agent
  apitoken create   create an API token for automation
  host list         list enrolled hosts and their verdict counts
  host revoke       revoke a host's credential`;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const name = argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (command === undefined) {
    if (wantsHelp || argv.length === 0) {
      io.stdout(USAGE);
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    io.stderr(`vigie: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (wantsHelp) {
    io.stdout(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(argv.slice(2), io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    io.stderr(`vigie ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
