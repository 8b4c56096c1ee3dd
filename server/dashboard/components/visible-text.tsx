// Agent- and user-supplied text shown as text, with what would be invisible made visible: control
// characters (C0, DEL, C1) and bidirectional overrides become ⟨U+XXXX⟩ markers, so a hostname
// with a hidden carriage return or a right-to-left override cannot disguise itself on a page.
// JSX already escapes markup; this is about what a reader sees, not about injection.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** Untrusted text, isolated from the surrounding direction, with invisible characters shown. */
export function Untrusted({ text }: { text: string }) {
  return <bdi>{visible(text)}</bdi>;
}
