// SMBv1 on Linux (NET-06): the Samba server's and client's protocol floors from smb.conf, and
// kernel CIFS mounts negotiated as vers=1.0. No Samba installed: no SMB server, and the client
// side is the kernel's (SMB1 only on an explicit vers=1.0 mount). No privilege needed.
import type { Smb1State, Unavailable } from '../../policies/evidence.js';
import { floorAllowsSmb1, parseSmbGlobal } from './parse-smb-conf.js';
import { messageOf, readOptional } from './tool.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

export async function collectSmb1(options: { fsRoot?: string; procRoot?: string } = {}): Promise<Smb1State | Unavailable> {
  const root = options.fsRoot ?? '/';
  try {
    const conf = await readOptional(root, 'etc/samba/smb.conf');
    const smbd = await exists(join(root, 'usr/sbin/smbd'));
    const mounts = (await readOptional(options.procRoot ?? '/proc', 'mounts')) ?? '';
    const smb1Mount = mounts.split('\n').some((l) => /\scifs\s/.test(l) && /(^|,)vers=1\.0(,|\s|$)/.test(l));
    const floors = conf === null ? { server_min: null, client_min: null } : parseSmbGlobal(conf);
    const server = smbd ? floorAllowsSmb1(floors.server_min) : false;
    const client = smb1Mount || (conf !== null && floorAllowsSmb1(floors.client_min));
    const source = [
      smbd ? `smbd installed, server min protocol = ${floors.server_min ?? 'default (SMB2_02)'}` : 'no Samba server (smbd) installed',
      conf !== null ? `client min protocol = ${floors.client_min ?? 'default (SMB2_02)'}` : 'no smb.conf',
      smb1Mount ? 'a CIFS mount uses vers=1.0' : 'no CIFS mount with vers=1.0',
    ].join('; ');
    return { source: source.slice(0, 200), server_enabled: server, client_enabled: client };
  } catch (error) {
    return { unavailable: messageOf(error) };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
