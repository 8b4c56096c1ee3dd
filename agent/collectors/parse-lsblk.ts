// Pure reading of `lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT` (with children) and
// `cryptsetup status NAME`: which mounted file systems sit on a LUKS mapping.

export interface BlockDevice {
  name: string;
  type: string;
  fstype: string | null;
  mountpoint: string | null;
  children?: BlockDevice[];
}

export function parseLsblk(text: string): BlockDevice[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('lsblk output is not JSON');
  }
  const devices = (data as { blockdevices?: unknown }).blockdevices;
  if (!Array.isArray(devices)) throw new Error('lsblk JSON has no blockdevices');
  return devices as BlockDevice[];
}

export interface MountedVolume {
  mount: string;
  /** The crypt mapping name above it, if any (dm name). */
  crypt: string | null;
  /** The LUKS container exists under it (crypto_LUKS parent). */
  luks: boolean;
}

/** Mounted data volumes (not swap, not boot/efi, not pseudo), each with its crypt ancestor. */
export function mountedVolumes(devices: readonly BlockDevice[]): MountedVolume[] {
  const out: MountedVolume[] = [];
  const walk = (d: BlockDevice, crypt: string | null, luks: boolean) => {
    const isCrypt = d.type === 'crypt';
    const nextCrypt = isCrypt ? d.name : crypt;
    const nextLuks = luks || d.fstype === 'crypto_LUKS';
    const mount = d.mountpoint;
    if (mount && mount !== '[SWAP]' && !/^\/boot(\/efi)?$/.test(mount) && !mount.startsWith('/snap/')) {
      out.push({ mount, crypt: nextCrypt, luks: nextLuks && nextCrypt !== null });
    }
    for (const c of d.children ?? []) walk(c, nextCrypt, nextLuks);
  };
  for (const d of devices) walk(d, null, false);
  return out;
}

/** `cryptsetup status NAME`: "is active", "type: LUKS2", "cipher: aes-xts-plain64", "keysize: 512 bits". */
export function parseCryptsetupStatus(text: string): { active: boolean; type: string | null; cipher: string | null; key_bits: number | null } {
  const active = /is active/.test(text);
  const type = /^\s*type:\s*(\S+)/m.exec(text)?.[1] ?? null;
  const cipher = /^\s*cipher:\s*(\S+)/m.exec(text)?.[1] ?? null;
  const bits = /^\s*keysize:\s*(\d+)\s*bits/m.exec(text)?.[1];
  return { active, type, cipher, key_bits: bits ? Number(bits) : null };
}
