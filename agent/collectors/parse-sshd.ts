// Pure parser of `sshd -T` output: one "keyword value" per line, keywords in lower case,
// multi-valued keywords (allowusers, allowgroups, listenaddress) repeated once per value.
import type { SshdSettings } from '../../policies/evidence.js';

const SINGLE_KEYS = {
  authenticationmethods: 512,
  passwordauthentication: 16,
  kbdinteractiveauthentication: 16,
  usepam: 16,
  permitrootlogin: 32,
  permitemptypasswords: 16,
  pubkeyauthoptions: 64,
  x11forwarding: 16,
  allowtcpforwarding: 16,
  pubkeyacceptedalgorithms: 2048,
} as const;
type SingleKey = keyof typeof SINGLE_KEYS;

const LIST_KEYS = { allowusers: 256, allowgroups: 256, listenaddress: 64 } as const;
type ListKey = keyof typeof LIST_KEYS;
const LIST_ITEM_MAX = 128;
const MAX_LINES = 5000;

export function parseSshdT(text: string): SshdSettings {
  const lines = text.split('\n');
  if (lines.length > MAX_LINES) throw new Error(`sshd -T output too long (${lines.length} lines)`);
  const single = new Map<SingleKey, string>();
  const lists: Record<ListKey, string[]> = { allowusers: [], allowgroups: [], listenaddress: [] };
  let keywords = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const match = /^([a-z0-9]+)(?:\s+(.*))?$/.exec(line);
    if (!match?.[1]) throw new Error(`unexpected sshd -T line: ${line.slice(0, 80)}`);
    keywords += 1;
    const key = match[1];
    const value = (match[2] ?? '').trim();
    if (key in SINGLE_KEYS) {
      const max = SINGLE_KEYS[key as SingleKey];
      if (value.length > max) throw new Error(`sshd -T value of ${key} longer than ${max} characters`);
      if (value !== '') single.set(key as SingleKey, value);
    } else if (key in LIST_KEYS) {
      const list = lists[key as ListKey];
      // Older sshd versions print several values on one line; newer ones one per line.
      for (const item of value.split(/\s+/).filter((v) => v !== '')) {
        if (item.length > LIST_ITEM_MAX) throw new Error(`sshd -T ${key} entry longer than ${LIST_ITEM_MAX} characters`);
        if (list.length >= LIST_KEYS[key as ListKey]) throw new Error(`sshd -T has more than ${LIST_KEYS[key as ListKey]} ${key} entries`);
        list.push(item);
      }
    }
  }
  // A real `sshd -T` prints ~90 keywords; an output without `port` is not one.
  if (keywords === 0 || !/^port\s/m.test(text)) throw new Error('output does not look like sshd -T (no "port" keyword)');
  const get = (key: SingleKey) => single.get(key) ?? null;
  return {
    authenticationmethods: get('authenticationmethods'),
    passwordauthentication: get('passwordauthentication'),
    kbdinteractiveauthentication: get('kbdinteractiveauthentication'),
    usepam: get('usepam'),
    permitrootlogin: get('permitrootlogin'),
    permitemptypasswords: get('permitemptypasswords'),
    pubkeyauthoptions: get('pubkeyauthoptions'),
    allowusers: lists.allowusers,
    allowgroups: lists.allowgroups,
    x11forwarding: get('x11forwarding'),
    allowtcpforwarding: get('allowtcpforwarding'),
    listenaddress: lists.listenaddress,
    pubkeyacceptedalgorithms: get('pubkeyacceptedalgorithms'),
  };
}

/** Where sshd looks for a user's keys: `authorizedkeysfile` patterns and `authorizedkeyscommand`. */
export function parseSshdKeySources(text: string): { files: string[]; command: string | null } {
  const value = (key: string) => new RegExp(`^${key}\\s+(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const files = (value('authorizedkeysfile') ?? '.ssh/authorized_keys .ssh/authorized_keys2').split(/\s+/).filter((f) => f !== '' && f !== 'none');
  const command = value('authorizedkeyscommand');
  return { files: files.slice(0, 16), command: command && command !== 'none' ? command : null };
}
