// The operating systems the demo's hosts run (as the agent reports them).

export const WINDOWS_11 = { platform: 'windows' as const, distro: 'Microsoft Windows 11 Entreprise', release: '10.0.26100', arch: 'x64' };
export const WINDOWS_2022 = { platform: 'windows' as const, distro: 'Microsoft Windows Server 2022 Standard', release: '10.0.20348', arch: 'x64' };
export const WINDOWS_2012R2 = { platform: 'windows' as const, distro: 'Microsoft Windows Server 2012 R2 Standard', release: '6.3.9600', arch: 'x64' };
export const DEBIAN_12 = { platform: 'linux' as const, distro: 'Debian GNU/Linux 12 (bookworm)', release: '12', arch: 'x64' };
export const RHEL_9 = { platform: 'linux' as const, distro: 'Red Hat Enterprise Linux 9.4', release: '9.4', arch: 'x64' };
