// The `vigie` admin CLI: dispatch to a command, print usage on --help, and map failures to exit
// codes (0 ok, 1 failure, 2 bad usage or configuration).
import { ConfigError } from '../config.js';
import { processIo, terminalSafeIo, type CliIo } from './io.js';
import { UsageError } from './options.js';
import { hostList, hostRevoke, HOST_LIST_USAGE, HOST_REVOKE_USAGE } from './hosts.js';
import { auditlogList, AUDITLOG_LIST_USAGE, auditlogVerify, AUDITLOG_VERIFY_USAGE } from './auditlog.js';
import { userAdd, USER_ADD_USAGE, userDisable, USER_DISABLE_USAGE, userList, USER_LIST_USAGE, userResetMfa, USER_RESET_MFA_USAGE } from './users.js';
import { serverStart, SERVER_START_USAGE } from './serve.js';
import { auditList, AUDIT_LIST_USAGE, auditRun, AUDIT_RUN_USAGE, auditShow, AUDIT_SHOW_USAGE } from './audit.js';
import { waiverAdd, WAIVER_ADD_USAGE, waiverList, WAIVER_LIST_USAGE, waiverRevoke, WAIVER_REVOKE_USAGE } from './waivers.js';
import { orgDeclare, ORG_DECLARE_USAGE, orgList, ORG_LIST_USAGE, orgStatus, ORG_STATUS_USAGE, orgWithdraw, ORG_WITHDRAW_USAGE } from './org.js';
import { serverInit, SERVER_INIT_USAGE } from './init.js';
import { apiTokenCreate, APITOKEN_CREATE_USAGE, tokenCreate, TOKEN_CREATE_USAGE } from './tokens.js';
import { apiTokenList, APITOKEN_LIST_USAGE, apiTokenRevoke, APITOKEN_REVOKE_USAGE, tokenList, TOKEN_LIST_USAGE, tokenRevoke, TOKEN_REVOKE_USAGE } from './token-admin.js';
import { policyEval, POLICY_EVAL_USAGE, policyLint, POLICY_LINT_USAGE, policyList, POLICY_LIST_USAGE } from './policy.js';
import { recordingExport, RECORDING_EXPORT_USAGE, recordingList, RECORDING_LIST_USAGE, recordingShow, RECORDING_SHOW_USAGE, recordingVerify, RECORDING_VERIFY_USAGE, sessionCut, SESSION_CUT_USAGE } from './recordings.js';
import { inventoryExport, INVENTORY_EXPORT_USAGE, inventoryImportProxyLog, INVENTORY_IMPORT_USAGE, inventoryList, INVENTORY_LIST_USAGE, inventoryShow, INVENTORY_SHOW_USAGE } from './inventory.js';
import {
  accessApprove, ACCESS_APPROVE_USAGE, accessCancel, ACCESS_CANCEL_USAGE, accessContact, ACCESS_CONTACT_USAGE, accessDeny, ACCESS_DENY_USAGE, accessList, ACCESS_LIST_USAGE,
  accessRequest, ACCESS_REQUEST_USAGE, accessRevoke, ACCESS_REVOKE_USAGE, accessShow, ACCESS_SHOW_USAGE, targetAdd, TARGET_ADD_USAGE, targetList, TARGET_LIST_USAGE,
  targetShow, TARGET_SHOW_USAGE, vendorAdd, VENDOR_ADD_USAGE, vendorKeyAdd, VENDOR_KEY_ADD_USAGE, vendorKeyList, VENDOR_KEY_LIST_USAGE, vendorKeyRemove, VENDOR_KEY_REMOVE_USAGE,
  vendorList, VENDOR_LIST_USAGE,
} from './access.js';
import { learningApprove, LEARNING_APPROVE_USAGE, learningClose, LEARNING_CLOSE_USAGE, learningList, LEARNING_LIST_USAGE, learningOpen, LEARNING_OPEN_USAGE, learningPropose, LEARNING_PROPOSE_USAGE, learningProposals, LEARNING_PROPOSALS_USAGE, learningReject, LEARNING_REJECT_USAGE } from './learning.js';

interface Command {
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  'server start': { usage: SERVER_START_USAGE, run: serverStart },
  'server init': { usage: SERVER_INIT_USAGE, run: serverInit },
  'token create': { usage: TOKEN_CREATE_USAGE, run: tokenCreate },
  'apitoken create': { usage: APITOKEN_CREATE_USAGE, run: apiTokenCreate },
  'token list': { usage: TOKEN_LIST_USAGE, run: tokenList },
  'token revoke': { usage: TOKEN_REVOKE_USAGE, run: tokenRevoke },
  'apitoken list': { usage: APITOKEN_LIST_USAGE, run: apiTokenList },
  'apitoken revoke': { usage: APITOKEN_REVOKE_USAGE, run: apiTokenRevoke },
  'host list': { usage: HOST_LIST_USAGE, run: hostList },
  'host revoke': { usage: HOST_REVOKE_USAGE, run: hostRevoke },
  'auditlog verify': { usage: AUDITLOG_VERIFY_USAGE, run: auditlogVerify },
  'auditlog list': { usage: AUDITLOG_LIST_USAGE, run: auditlogList },
  'user add': { usage: USER_ADD_USAGE, run: userAdd },
  'user list': { usage: USER_LIST_USAGE, run: userList },
  'user disable': { usage: USER_DISABLE_USAGE, run: userDisable },
  'user reset-mfa': { usage: USER_RESET_MFA_USAGE, run: userResetMfa },
  'audit run': { usage: AUDIT_RUN_USAGE, run: auditRun },
  'audit list': { usage: AUDIT_LIST_USAGE, run: auditList },
  'audit show': { usage: AUDIT_SHOW_USAGE, run: auditShow },
  'waiver add': { usage: WAIVER_ADD_USAGE, run: waiverAdd },
  'waiver list': { usage: WAIVER_LIST_USAGE, run: waiverList },
  'waiver revoke': { usage: WAIVER_REVOKE_USAGE, run: waiverRevoke },
  'policy list': { usage: POLICY_LIST_USAGE, run: policyList },
  'policy lint': { usage: POLICY_LINT_USAGE, run: policyLint },
  'policy eval': { usage: POLICY_EVAL_USAGE, run: policyEval },
  'recording list': { usage: RECORDING_LIST_USAGE, run: recordingList },
  'recording show': { usage: RECORDING_SHOW_USAGE, run: recordingShow },
  'recording verify': { usage: RECORDING_VERIFY_USAGE, run: recordingVerify },
  'recording export': { usage: RECORDING_EXPORT_USAGE, run: recordingExport },
  'session cut': { usage: SESSION_CUT_USAGE, run: sessionCut },
  'inventory list': { usage: INVENTORY_LIST_USAGE, run: inventoryList },
  'inventory show': { usage: INVENTORY_SHOW_USAGE, run: inventoryShow },
  'inventory export': { usage: INVENTORY_EXPORT_USAGE, run: inventoryExport },
  'inventory import-proxy-log': { usage: INVENTORY_IMPORT_USAGE, run: inventoryImportProxyLog },
  'learning open': { usage: LEARNING_OPEN_USAGE, run: learningOpen },
  'learning close': { usage: LEARNING_CLOSE_USAGE, run: learningClose },
  'learning list': { usage: LEARNING_LIST_USAGE, run: learningList },
  'learning propose': { usage: LEARNING_PROPOSE_USAGE, run: learningPropose },
  'learning proposals': { usage: LEARNING_PROPOSALS_USAGE, run: learningProposals },
  'learning approve': { usage: LEARNING_APPROVE_USAGE, run: learningApprove },
  'learning reject': { usage: LEARNING_REJECT_USAGE, run: learningReject },
  'org declare': { usage: ORG_DECLARE_USAGE, run: orgDeclare },
  'org list': { usage: ORG_LIST_USAGE, run: orgList },
  'org status': { usage: ORG_STATUS_USAGE, run: orgStatus },
  'org withdraw': { usage: ORG_WITHDRAW_USAGE, run: orgWithdraw },
  'target add': { usage: TARGET_ADD_USAGE, run: targetAdd },
  'target list': { usage: TARGET_LIST_USAGE, run: targetList },
  'target show': { usage: TARGET_SHOW_USAGE, run: targetShow },
  'vendor add': { usage: VENDOR_ADD_USAGE, run: vendorAdd },
  'vendor list': { usage: VENDOR_LIST_USAGE, run: vendorList },
  'vendor key add': { usage: VENDOR_KEY_ADD_USAGE, run: vendorKeyAdd },
  'vendor key list': { usage: VENDOR_KEY_LIST_USAGE, run: vendorKeyList },
  'vendor key remove': { usage: VENDOR_KEY_REMOVE_USAGE, run: vendorKeyRemove },
  'access request': { usage: ACCESS_REQUEST_USAGE, run: accessRequest },
  'access list': { usage: ACCESS_LIST_USAGE, run: accessList },
  'access show': { usage: ACCESS_SHOW_USAGE, run: accessShow },
  'access approve': { usage: ACCESS_APPROVE_USAGE, run: accessApprove },
  'access deny': { usage: ACCESS_DENY_USAGE, run: accessDeny },
  'access cancel': { usage: ACCESS_CANCEL_USAGE, run: accessCancel },
  'access revoke': { usage: ACCESS_REVOKE_USAGE, run: accessRevoke },
  'access contact': { usage: ACCESS_CONTACT_USAGE, run: accessContact },
};

export const USAGE = `Usage: vigie <command> [options]    (vigie <command> --help for details)

Commands:
  server start      start the Vigie server
  server init       make a local CA and HTTPS certificate; print the fingerprint agents pin
  token create      create a one-time enrollment token for an agent
  apitoken create   create an API token for automation
  token list        list enrollment tokens (no secrets)
  token revoke      revoke an unused enrollment token
  apitoken list     list API tokens (no secrets)
  apitoken revoke   revoke an API token
  host list         list enrolled hosts and their verdict counts
  host revoke       revoke a host's credential
  auditlog verify   check the audit log's hash chain (exit 1 if tampered)
  auditlog list     show the latest audit log entries
  policy list       list shipped policy packs, or the rules of one pack (--pack)
  policy lint       lint allowlist, pack and site overlay files (exit 1 on findings)
  policy eval       judge one agent report (JSON) against a pack, offline
  user add          create a local user (one-time password, MFA at first login)
  user list         list local users
  user disable      disable a user and end their sessions
  user reset-mfa    reset a user's MFA (lost device)
  audit run         run the audit now (every host, today's packs and waivers)
  audit list        list stored audits
  audit show        print an audit as JSON, HTML or CSV
  waiver add        record a waiver (dérogation) with justification, approver and expiry
  waiver list       list waivers and whether they are active
  waiver revoke     end a waiver early, with a reason (audit-logged)
  recording list    list bastion sessions and how each ended
  recording show    show a bastion session and its recording files
  recording verify  check a session's signed recording (exit 1 if altered)
  recording export  copy a recording with what is needed to verify it offline
  session cut       cut a live bastion session
  inventory list    list inventoried destinations and their allowlist verdict
  inventory show    one destination: hosts, processes, sources, verdict reason
  inventory export  the inventory as CSV or JSON lines
  inventory import-proxy-log  import a Squid or Stormshield proxy log (resumable)
  learning open     open learning mode for a (site, role) (a NET-01 waiver on that scope)
  learning close    close learning mode now
  learning list     list learning scopes
  learning propose  run the nightly proposal job now
  learning proposals  list allowlist proposals and their evidence
  learning approve  approve a proposal: write it to the site overlay's learned allowlist
  learning reject   reject a proposal with a reason
  org declare       declare organisation evidence (SILENE, ADS audit, crisis exercise, PCA test)
  org list          list organisation declarations
  org status        judge ORG-01..03 from the declarations in force
  org withdraw      withdraw a mistaken declaration
  target add|list|show          maintained devices behind telemaintenance gateways
  vendor add|list               vendors (fournisseurs) and their members
  vendor key add|list|remove    vendors' registered SSH public keys
  access request|list|show|approve|deny|cancel|revoke|contact   telemaintenance access requests`;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function runCli(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  const io = terminalSafeIo(rawIo);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  // Three-word commands first (vendor key add), then two-word ones.
  const three = argv.slice(0, 3).join(' ');
  const name = COMMANDS[three] !== undefined ? three : argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (command === undefined) {
    // `vigie --help` and `vigie host --help` (a known group) print the usage; `vigie bogus --help`
    // is an unknown command like any other (exit 2), so scripts notice the typo.
    const knownGroup = argv[0] !== undefined && Object.keys(COMMANDS).some((key) => key.split(' ')[0] === argv[0]);
    if (argv.length === 0 || (wantsHelp && (argv[0] === '--help' || argv[0] === '-h' || knownGroup))) {
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
    return await command.run(argv.slice(name.split(' ').length), io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    io.stderr(`vigie ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}
