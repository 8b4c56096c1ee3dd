// Form pieces: the CSRF field every post carries (the guard checks it, server/auth/guard.ts).
import { CSRF_FIELD } from '../../auth/session.js';
import type { View } from '../view.js';

export function CsrfField({ view }: { view: View }) {
  return <input type="hidden" name={CSRF_FIELD} value={view.csrf ?? ''} />;
}

/** An error or notice block announced to screen readers. */
export function Notice({ kind, children }: { kind: 'error' | 'info' | 'success'; children: string }) {
  return (
    <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}
