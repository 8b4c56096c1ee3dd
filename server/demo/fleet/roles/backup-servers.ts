// The backup server of each site: repositories, offline and immutable copies, restore tests, console.
import { type BackupEvidence, type BackupSource } from '../../../../policies/evidence.js';
import { DAY, HOUR, ago } from '../clock.js';
import { restic } from '../evidence/backups.js';
import { adminSsh, hardenedSshd, linuxMfa } from '../evidence/mfa.js';
import { linuxNetwork, listener } from '../evidence/network.js';
import { linuxNoWifi } from '../evidence/wifi.js';
import { DEBIAN_12 } from '../platforms.js';
import { type HostSpec } from './host-spec.js';
import { GHT, type SimulatedSite } from '../sites.js';

export function backupServer(site: SimulatedSite, index: number, prefix: string): HostSpec {
  const address = `${site.adminNet}.90`;
  const siteName = site.name.replace(/ \(.*\)$/, '');
  return {
    site,
    role: 'backup-server',
    hostname: `${prefix}-bkp-01`,
    os: DEBIAN_12,
    build: (now) => {
      const sources: BackupSource[] = [
        restic(now, `/srv/restic/${site.id}-serveurs`, 3 + index * 2, 120),
        index === 2
          ? { tool: 'borg', target: `/srv/borg/${site.id}-config`, unavailable: 'borg list exited 2: passphrase supplied in BORG_PASSCOMMAND is incorrect' }
          : { tool: 'borg', target: `/srv/borg/${site.id}-config`, last_success_at: ago(now, (2 + index * 5) * HOUR), snapshot_count: 90 },
      ];
      const backups: BackupEvidence = {
        sources,
        offline_copies: [
          index === 2
            ? { kind: 'offline', target: 'RDX cartouche RIV-RDX-02', location: `${siteName} — armoire forte`, last_copy_at: ago(now, 11 * DAY), media_connected: true, retention_days: null }
            : { kind: 'offline', target: `LTO-8 ${site.id.toUpperCase()}-HEBDO`, location: `${siteName} — coffre bâtiment B`, last_copy_at: ago(now, (3 + index) * DAY), media_connected: false, retention_days: null },
          ...(index === 2
            ? []
            : [{ kind: 'immutable' as const, target: `s3:https://${GHT.hdsObjectStorage.fqdn}/ght-vallee-immuable/${site.id}`, location: 'Hébergeur HDS (hors site)', last_copy_at: ago(now, 20 * HOUR), media_connected: null, retention_days: 30 }]),
        ],
        repositories: [
          { name: 'Dépôt restic + Proxmox Backup Server (disques locaux)', media: 'disk', storage_system: `${prefix}-bkp-01 RAID 6`, site: siteName, off_site: false, state: 'online' },
          index === 2
            ? { name: 'Cartouches RDX', media: 'removable', storage_system: 'Lecteur RDX QuikStor', site: siteName, off_site: false, state: 'offline' }
            : { name: 'Bandes LTO-8', media: 'tape', storage_system: 'Bibliothèque Quantum Scalar i3', site: `${siteName} bâtiment B`, off_site: false, state: 'offline' },
          ...(index === 2
            ? []
            : [{ name: 'Stockage objet immuable HDS', media: 'object-storage' as const, storage_system: 'Hébergeur HDS', site: 'Hébergeur HDS', off_site: true, state: 'immutable' as const }]),
        ],
        restore_tests: [
          { tested_at: ago(now, ([41, 190, 150][index] ?? 41) * DAY), scope: 'Restauration complète du serveur DPI sur environnement isolé', result: 'success', record: `PRA-${site.id.toUpperCase()}-2026-0${index + 3}` },
          { tested_at: ago(now, 400 * DAY), scope: 'Restauration de fichiers partagés', result: 'partial', record: null },
        ],
        console: {
          product: 'Proxmox Backup Server 3.2',
          identity_source: index === 1 ? 'active-directory' : 'local',
          directory_forest: index === 1 ? GHT.domain : null,
          mfa_supported: true,
          mfa_enabled: index !== 2,
          builtin_admin: { name: 'root@pam', enabled: true, used_recently: false, password_vaulted: true },
        },
      };
      const network = linuxNetwork(site, now, [listener(address, 22, 'sshd', 640), listener(`${site.lan}.30.10`, 8000, 'rest-server', 720), listener(`${site.lan}.30.10`, 8007, 'proxmox-backup-proxy', 730)], [
        ...(index === 2 ? [] : [{ address: GHT.hdsObjectStorage.address, port: 443, process: 'rclone', fqdn: GHT.hdsObjectStorage.fqdn, firstH: 21, lastH: 20 }]),
      ], { addresses: [address] });
      return {
        network,
        wifi: linuxNoWifi(),
        backups,
        mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, remote: adminSsh() }),
      };
    },
  };
}
