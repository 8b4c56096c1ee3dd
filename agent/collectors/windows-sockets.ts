// Windows sockets and processes: one PowerShell call (Get-NetTCPConnection, Get-NetUDPEndpoint,
// Get-Process as JSON) read by parseWindowsSockets; feeds the listeners and the flow sampler.
import { parseWindowsSockets, WINDOWS_SOCKETS_SCRIPT, type WindowsSockets } from './parse-windows-sockets.js';
import { runTool } from './windows.js';

export async function readWindowsSockets(env: NodeJS.ProcessEnv = process.env): Promise<WindowsSockets> {
  return parseWindowsSockets(await runTool('powershell', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_SOCKETS_SCRIPT], env));
}
