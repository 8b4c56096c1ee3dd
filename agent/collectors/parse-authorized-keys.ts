// Pure parser of OpenSSH authorized_keys files: `[options] keytype base64 [comment]` per line.
// Only the key type and the FIDO options are kept: never the key, the comment or option values.

export interface AuthorizedKeyKind {
  type: string;
  verify_required: boolean;
  no_touch_required: boolean;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com|[a-z0-9-]+-cert-v01@openssh\.com|sk-[a-z0-9-]+-cert-v01@openssh\.com)$/;
const MAX_KEYS = 256;

export function parseAuthorizedKeys(text: string): AuthorizedKeyKind[] {
  const keys: AuthorizedKeyKind[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const { options, rest } = splitOptions(line);
    const type = rest.split(/\s+/)[0] ?? '';
    // Say where, not what: the line may be key material.
    if (!KEY_TYPE.test(type)) throw new Error(`line ${index + 1} has no known key type`);
    if (keys.length >= MAX_KEYS) throw new Error(`more than ${MAX_KEYS} authorized keys`);
    const names = options.map((o) => o.split('=')[0]?.toLowerCase() ?? '');
    keys.push({ type, verify_required: names.includes('verify-required'), no_touch_required: names.includes('no-touch-required') });
  }
  return keys;
}

/** Leading options, when the line does not start with a key type: comma-separated, "quoted" values. */
function splitOptions(line: string): { options: string[]; rest: string } {
  const first = line.split(/\s+/)[0] ?? '';
  if (KEY_TYPE.test(first)) return { options: [], rest: line };
  const options: string[] = [];
  let current = '';
  let quoted = false;
  let i = 0;
  for (; i < line.length; i += 1) {
    const c = line[i];
    if (c === '\\' && quoted && i + 1 < line.length) {
      current += line[i + 1];
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      options.push(current);
      current = '';
    } else if (!quoted && (c === ' ' || c === '\t')) {
      break;
    } else {
      current += c;
    }
  }
  if (quoted) throw new Error('authorized_keys line with an unclosed quote in its options');
  options.push(current);
  return { options, rest: line.slice(i).trim() };
}
