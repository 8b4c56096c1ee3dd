// Pure parser of Windows `reg query KEY /v NAME` output (English):
//
//   HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System
//       scforceoption    REG_DWORD    0x1
//
// "ERROR: The system was unable to find the specified registry key or value." means not set.

export type RegValue = { type: 'REG_DWORD'; value: number } | { type: 'REG_SZ'; value: string } | null;

export function parseRegQueryValue(text: string, name: string): RegValue {
  if (/unable to find the specified registry key or value/i.test(text)) return null;
  if (!/^HKEY_[A-Z_]+\\/m.test(text)) throw new Error('not reg query output (no key line)');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s+${escaped}\\s+(REG_[A-Z_]+)\\s+(.*?)\\s*$`, 'mi').exec(text);
  if (!match) throw new Error(`reg query output has no value ${name} (truncated?)`);
  const [, type, raw = ''] = match;
  if (type === 'REG_DWORD') {
    if (!/^0x[0-9a-f]{1,8}$/i.test(raw)) throw new Error(`${name}: malformed REG_DWORD ${raw.slice(0, 20)}`);
    return { type, value: Number.parseInt(raw, 16) };
  }
  if (type === 'REG_SZ') return { type, value: raw.slice(0, 256) };
  throw new Error(`${name}: unexpected registry type ${type}`);
}

/** A policy DWORD as a flag: 1 = true, 0 = false; anything else is not a flag. */
export function dwordFlag(value: RegValue, name: string): boolean | null {
  if (value === null) return null;
  if (value.type !== 'REG_DWORD' || (value.value !== 0 && value.value !== 1)) throw new Error(`${name} is not a 0/1 DWORD`);
  return value.value === 1;
}
