// Pure reading of pending updates: `apt-get -s upgrade` (simulation, no lock) and
// `dnf updateinfo list --security` + `dnf updateinfo info` issued dates.

export interface AptPending {
  package: string;
  version: string;
  security: boolean;
}

/** `Inst pkg [old] (new Origin:suite/codename-security [arch])` lines. */
export function parseAptSimulate(text: string): AptPending[] {
  const pending: AptPending[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const m = /^Inst\s+(\S+)\s+(?:\[[^\]]*\]\s+)?\((\S+)\s+([^)]*)\)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    pending.push({ package: m[1], version: m[2], security: /-security\b|Security/i.test(m[3] ?? '') });
  }
  return pending;
}

/** The newest `Date:` of apt's Release files (index age). */
export function parseReleaseDate(text: string): Date | null {
  const m = /^Date:\s*(.+)$/m.exec(text);
  if (!m?.[1]) return null;
  const d = new Date(m[1].trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface DnfAdvisory {
  id: string;
  package: string;
  issued: Date | null;
}

/** `dnf updateinfo info --security`: blocks with "Update ID", "Issued", and package lines under "Updated"? We read Update ID, Issued and the package NEVRAs. */
export function parseDnfUpdateinfoInfo(text: string): DnfAdvisory[] {
  const advisories: DnfAdvisory[] = [];
  for (const block of text.split(/\n(?==+\n|\s*Update ID)/)) {
    const id = /Update ID\s*:\s*(\S+)/.exec(block)?.[1];
    if (!id) continue;
    const issuedText = /Issued\s*:\s*(.+)/.exec(block)?.[1]?.trim();
    const issued = issuedText ? new Date(issuedText.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(issuedText) ? '' : 'Z')) : null;
    advisories.push({ id, package: id, issued: issued && !Number.isNaN(issued.getTime()) ? issued : null });
  }
  return advisories;
}

/** `dnf updateinfo list --security`: `ADVISORY-ID  Severity/Sec.  package-nevra`. */
export function parseDnfUpdateinfoList(text: string): { advisory: string; package: string }[] {
  const out: { advisory: string; package: string }[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && f[0] && f[2] && /[A-Z]+-\d{4}/.test(f[0])) out.push({ advisory: f[0], package: f[2] });
  }
  return out;
}

/** Last `Start-Date:` of /var/log/apt/history.log with an Upgrade or Install line. */
export function parseAptHistoryLastInstall(text: string): Date | null {
  let last: Date | null = null;
  for (const block of text.split(/\n\s*\n/)) {
    if (!/^(Upgrade|Install):/m.test(block)) continue;
    const m = /^Start-Date:\s*(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})/m.exec(block);
    if (!m) continue;
    // apt writes local time without a zone; the agent runs with TZ of the host: read as local.
    const d = new Date(`${m[1]}T${m[2]}`);
    if (!Number.isNaN(d.getTime()) && (!last || d > last)) last = d;
  }
  return last;
}
