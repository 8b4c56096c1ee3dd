// A verdict status as text with an icon, never colour alone (the class adds colour for those who see it).
import type { View } from '../view.js';

export const STATUS_ICONS = { pass: '✔', warn: '⚠', fail: '✖', unknown: '?', not_applicable: '–', waived: '⊘' } as const;
export type ShownStatus = keyof typeof STATUS_ICONS;

export function StatusBadge({ view, status }: { view: View; status: ShownStatus }) {
  return (
    <span class={`status status-${status}`}>
      <span aria-hidden="true">{STATUS_ICONS[status]}</span> {view.t(`status.${status}`)}
    </span>
  );
}
