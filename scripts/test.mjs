// `npm test`: lint, type check, the portable suite natively, the Windows suite on Windows or
// under Wine; ends with one `N passed, N failed` line for all suites together.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, root } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

const resultsDir = join(cacheDir, 'results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const failures = [];

function step(name, cmd, args) {
  process.stdout.write(`\n=== ${name}\n`);
  const { status } = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) failures.push(`${name} failed (exit ${status})`);
}

const bin = (tool) => join(root, 'node_modules', '.bin', tool);
step('lint', bin('eslint'), ['.']);
step('type check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);

const reporters = (suite) => ['--reporter=default', '--reporter=json', `--outputFile.json=.cache/results/${suite}.json`];

process.stdout.write('\n=== portable suite\n');
const portable = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'portable', ...reporters('portable')], {
  cwd: root,
  stdio: 'inherit',
});

process.stdout.write(`\n=== windows suite (${process.platform === 'win32' ? 'native' : 'Windows Node.js under Wine'})\n`);
let windowsExit;
try {
  windowsExit = await runOnWindowsNode(['node_modules/vitest/vitest.mjs', 'run', '--project', 'windows', ...reporters('windows')], {
    name: 'windows-suite',
  });
} catch (error) {
  failures.push(`windows suite could not start: ${error instanceof Error ? error.message : String(error)}`);
}

function counts(suite, exitCode) {
  const file = join(resultsDir, `${suite}.json`);
  if (!existsSync(file)) {
    failures.push(`${suite} suite wrote no results (exit ${exitCode})`);
    return { passed: 0, failed: 0, skipped: 0 };
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const result = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
  if (report.numTotalTests === 0) failures.push(`${suite} suite executed no tests`);
  if (report.numFailedTestSuites > 0) failures.push(`${suite} suite: ${report.numFailedTestSuites} file(s) failed to run`);
  if (exitCode !== 0) failures.push(`${suite} suite exited ${exitCode}`);
  process.stdout.write(`${suite}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped\n`);
  return result;
}

process.stdout.write('\n=== summary\n');
const all = [counts('portable', portable.status), counts('windows', windowsExit)];
for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
const passed = all.reduce((n, r) => n + r.passed, 0);
const failed = all.reduce((n, r) => n + r.failed, 0);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failures.length > 0 || failed > 0 ? 1 : 0);
