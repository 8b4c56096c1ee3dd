// Removes credentials from URL-like strings (proxy URLs, backup repositories) before they go
// into evidence. The host, port and path stay: they are what an auditor needs to see.

/**
 * `scheme://user:pass@host/...` -> `scheme://host/...`, also inside prefixed forms such as
 * restic's `rest:https://user:pass@host/`. Strings without `//` have no password syntax
 * (scp-like `user@host:path`, restic `sftp:user@host:/srv`) and are returned unchanged.
 * `keepUser` keeps a bare user name (`ssh://backup@host`) and drops only the password.
 */
export function stripUrlCredentials(text: string, keepUser = false): string {
  const start = text.indexOf('//');
  if (start < 0) return text;
  const authorityStart = start + 2;
  const rest = text.slice(authorityStart);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at < 0) return text;
  const user = authority.slice(0, at).split(':')[0] ?? '';
  const kept = keepUser && user.length > 0 ? `${user}@` : '';
  return `${text.slice(0, authorityStart)}${kept}${rest.slice(at + 1)}`;
}

/** A proxy setting may omit the scheme (`user:pass@proxy:3128`): treat it as an authority. */
export function stripProxyCredentials(text: string): string {
  return text.includes('//') ? stripUrlCredentials(text) : stripUrlCredentials(`//${text}`).slice(2);
}

/** Truncates to a schema bound, marking the cut. */
export function bounded(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
