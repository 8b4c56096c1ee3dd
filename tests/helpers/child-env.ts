// Environment for the node processes tests spawn (CLI, agent, server). Those children load the
// same TypeScript through another transform (tsx, esbuild), whose V8 coverage offsets differ from
// the test process's: merged together they corrupt tap's coverage report. So children are not
// traced for coverage; what they run is covered in-process by the unit tests.
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}
