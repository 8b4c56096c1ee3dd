// The running agent's flow sampler for this platform, with its name sources: on Linux /proc and
// dnsmasq's log / systemd-resolved's monitor; on Windows PowerShell sockets and the DNS Client /
// Sysmon events (polled in the background); elsewhere no name source, said so in the report.
import type { AgentConfig } from '../config.js';
import { FlowSampler } from './flow-sampler.js';
import { LinuxNameSources } from './names/linux-name-sources.js';
import { noNameSources } from './names/name-sources.js';
import { WindowsNameSources } from './names/windows-name-sources.js';
import { readWindowsSockets } from './windows-sockets.js';

export function platformFlowSampler(stateDir: string, config: AgentConfig, platform: NodeJS.Platform = process.platform): FlowSampler {
  if (platform === 'linux') {
    return new FlowSampler({ names: new LinuxNameSources(config.names?.dnsmasq_log === undefined ? {} : { dnsmasqLog: config.names.dnsmasq_log }) });
  }
  if (platform === 'win32') {
    const names = new WindowsNameSources(stateDir);
    const sampler = new FlowSampler({ names, readSockets: () => readWindowsSockets() });
    names.start(sampler.intervalMs);
    return sampler;
  }
  return new FlowSampler({ names: noNameSources([{ source: 'resolved-monitor', state: 'unavailable', reason: `no DNS answer source is implemented on ${platform}` }]) });
}
