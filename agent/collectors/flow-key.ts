// What counts as an outbound flow in the socket table, and a flow's identity across samples:
// shared by the one-shot network collector (network.ts) and the rolling sampler (flow-sampler.ts).
import type { OutboundFlow } from '../../policies/evidence.js';
import { isLocalOnlyAddress, STATE_ESTABLISHED, type KernelSocket } from './parse-proc-net.js';

export function isOutboundFlow(socket: KernelSocket): boolean {
  return socket.state === STATE_ESTABLISHED && socket.remote_port !== 0 && !isLocalOnlyAddress(socket.remote_address);
}

/** Identity of a flow across samples: the same process talking to the same remote endpoint. */
export function flowKey(flow: Pick<OutboundFlow, 'protocol' | 'remote_address' | 'remote_port' | 'pid' | 'process'>): string {
  return `${flow.protocol}|${flow.remote_address}|${flow.remote_port}|${flow.pid ?? '-'}|${flow.process ?? '-'}`;
}
