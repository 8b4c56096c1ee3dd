// Pure parser of Windows `net accounts` (English): the lockout policy. The closing line
// "The command completed successfully." must be there: without it the output was cut.
import type { LockoutPolicy } from '../../policies/evidence.js';

export function parseNetAccounts(text: string): LockoutPolicy {
  if (!/The command completed successfully\./.test(text)) throw new Error('net accounts output incomplete (no completion line)');
  const value = (label: string): string => {
    const match = new RegExp(`^${label}:\\s*(.+?)\\s*$`, 'mi').exec(text);
    if (!match?.[1]) throw new Error(`net accounts output has no "${label}" line`);
    return match[1];
  };
  const minutes = (label: string): number | null => {
    const raw = value(label);
    if (/^(Never|None)$/i.test(raw)) return null;
    return integer(raw, label);
  };
  const thresholdText = value('Lockout threshold');
  return {
    threshold: /^Never$/i.test(thresholdText) ? 0 : integer(thresholdText, 'Lockout threshold'),
    duration_minutes: minutes('Lockout duration \\(minutes\\)'),
    observation_window_minutes: minutes('Lockout observation window \\(minutes\\)'),
    source: 'net accounts',
  };
}

function integer(text: string, label: string): number {
  if (!/^\d{1,7}$/.test(text)) throw new Error(`net accounts: "${label.replace(/\\/g, '')}" is not a number: ${text.slice(0, 30)}`);
  return Number(text);
}
