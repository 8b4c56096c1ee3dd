// Pure reading of /etc/os-release into the product/version keys of the end-of-support data.

export function parseOsRelease(text: string): { product: string; version: string; pretty: string | null } {
  const values = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 1000)) {
    const m = /^([A-Z_]+)=(.*)$/.exec(raw.trim());
    if (m?.[1] && m[2] !== undefined) values.set(m[1], m[2].replace(/^(["'])(.*)\1$/, '$2'));
  }
  const id = values.get('ID')?.toLowerCase();
  if (!id) throw new Error('os-release has no ID');
  const raw = values.get('VERSION_ID');
  if (!raw) throw new Error(`os-release of ${id} has no VERSION_ID (rolling or testing release)`);
  // Debian and RHEL-likes are supported per major version; Ubuntu per YY.MM.
  const version = id === 'ubuntu' ? raw : (raw.split('.')[0] ?? raw);
  const product = id === 'rhel' || id === 'centos' || id === 'rocky' || id === 'almalinux' || id === 'ol' ? id : id;
  return { product, version, pretty: values.get('PRETTY_NAME') ?? null };
}
