// Pure reading of Samba's smb.conf [global] protocol floors (NET-06: SMBv1). Samba >= 4.11
// defaults to SMB2_02 for both server and client; older floors ("NT1", "LANMAN*", "CORE") allow SMBv1.

const SMB1_PROTOCOLS = new Set(['core', 'coreplus', 'lanman1', 'lanman2', 'nt1', 'smb1']);

export interface SmbFloors {
  server_min: string | null;
  client_min: string | null;
}

export function parseSmbGlobal(text: string): SmbFloors {
  let section = 'global';
  const floors: SmbFloors = { server_min: null, client_min: null };
  for (const raw of text.split('\n').slice(0, 50_000)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1]) {
      section = header[1].trim().toLowerCase();
      continue;
    }
    if (section !== 'global') continue;
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (!kv?.[1] || kv[2] === undefined) continue;
    const key = kv[1].trim().toLowerCase().replace(/\s+/g, ' ');
    const value = kv[2].trim();
    if (key === 'server min protocol' || key === 'min protocol') floors.server_min = value;
    if (key === 'client min protocol') floors.client_min = value;
  }
  return floors;
}

/** Whether a min-protocol floor lets SMBv1 in; null floor = the Samba >= 4.11 default (SMB2_02). */
export function floorAllowsSmb1(floor: string | null): boolean {
  if (floor === null) return false;
  return SMB1_PROTOCOLS.has(floor.trim().toLowerCase());
}
