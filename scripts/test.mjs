// `npm test`: lint, type check, the portable suite natively, then the Windows suite once per
// Windows runtime (natively on Windows; under Wine elsewhere, once for every runtime of
// scripts/runtimes.mjs); ends with one `N passed, N failed` line for all suites together.
//
//   MIO_TS_RUNTIMES=wine10-node22,wine8-node22   only these runtimes (quick local work; CI runs all)
//   MIO_TS_PARALLEL=1                            Windows suites one after another (default: 2 at once)
//   MIO_TS_ORCHESTRATION=0                       skip the run of this script itself on Windows Node
//   MIO_TS_RESULTS=.cache/results-x              where results go (relative to the project)
//   MIO_TS_CONFORMANCE=0                         skip Node's test-net files (scripts/conformance.mjs)
//   MIO_TS_CONFORMANCE_ONLY=<regexp>             only the test-net files whose names match
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { judgeConformance, runConformance } from './conformance.mjs';
import { ensureNodeTests, nodeTestCorpora, nodeTestDirOf } from './node-tests.mjs';
import { defaultRuntimeId, runtimes, selectRuntime, selectRuntimes } from './runtimes.mjs';
import { ensureHostProgram, provision, root, runWindowsNode } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

// Relative, so that a Windows Node under Wine finds it under the same name.
const resultsRelative = process.env.MIO_TS_RESULTS ?? '.cache/results';
const resultsDir = join(root, resultsRelative);
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const onWindows = process.platform === 'win32';
// A suite that hangs must not eat CI's time: it is stopped and counted as failed.
const SUITE_TIMEOUT_MS = 30 * 60_000;

const failures = [];
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

/** Runs a Node script of node_modules with this process's Node (no shell: works on Windows too). */
function step(name, script, args) {
  process.stdout.write(`\n=== ${name}\n`);
  const { status } = spawnSync(process.execPath, [join(root, 'node_modules', ...script.split('/')), ...args], { cwd: root, stdio: 'inherit' });
  if (status !== 0) failures.push(`${name} failed (exit ${status})`);
}

step('lint', 'eslint/bin/eslint.js', ['.']);
step('type check', 'typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']);
// The Windows suites also load the built package (CommonJS consumers require it by name).
step('build', 'typescript/bin/tsc', ['-p', 'tsconfig.build.json', ...(process.env.MIO_TS_BUILD_DIR ? ['--outDir', process.env.MIO_TS_BUILD_DIR] : [])]);

const vitest = 'node_modules/vitest/vitest.mjs';
const reporters = (suite) => ['--reporter=default', '--reporter=json', `--outputFile.json=${resultsRelative}/${suite}.json`];

process.stdout.write('\n=== portable suite\n');
const portable = spawnSync(process.execPath, [vitest, 'run', '--project', 'portable', ...reporters('portable')], { cwd: root, stdio: 'inherit' });
const suites = [{ suite: 'portable', label: `portable (host Node ${process.version})`, exitCode: portable.status }];

/**
 * The README's native-Windows instructions, proven: this very script run by a Windows Node (the
 * default runtime), which takes its win32 branch (lint, type check, build, portable suite, the
 * Windows suite natively). Its tests are counted on its own line, not again in the total.
 */
async function orchestrationOnWindowsNode() {
  const label = `this script on Windows Node (${defaultRuntimeId})`;
  process.stdout.write(`\n=== ${label} (${elapsed()})\n`);
  const logPath = join(resultsDir, 'orchestration.log');
  const logStream = createWriteStream(logPath);
  let exitCode;
  try {
    exitCode = await runWindowsNode(['scripts/test.mjs'], {
      name: 'orchestration',
      runtime: selectRuntime(defaultRuntimeId),
      timeoutMs: SUITE_TIMEOUT_MS,
      // Its build goes elsewhere: the suite running beside it loads dist/. Node's test-net
      // files already ran under this runtime in its own suite.
      env: { MIO_TS_RESULTS: `${resultsRelative}/win32`, MIO_TS_BUILD_DIR: '.cache/build-win32', MIO_TS_CONFORMANCE: '0' },
      stdout: logStream,
      stderr: logStream,
    });
  } catch (error) {
    failures.push(`${label} could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  await new Promise((resolve) => logStream.end(resolve));
  const log = readFileSync(logPath, 'utf8');
  const closing = log.split('\n').filter((line) => /^\d+ passed, \d+ failed/.test(line)).pop();
  process.stdout.write(`${label}: exit ${exitCode}; its own summary: ${closing ?? 'none'} (log: ${logPath})\n`);
  if (exitCode !== 0 || closing === undefined) {
    process.stdout.write(log);
    failures.push(`${label} failed (exit ${exitCode})`);
  }
}

const runConformanceSuite = process.env.MIO_TS_CONFORMANCE !== '0';

/** The corpora whose sources are unpacked. */
const availableCorpora = () => nodeTestCorpora.filter((corpus) => existsSync(nodeTestDirOf(corpus)));

/** Node's own test-net files of every corpus under `runtime` (undefined: natively), judged in the summary. */
async function conformance(runtime, log, portBase) {
  for (const corpus of availableCorpora()) await conformanceOf(corpus, runtime, log, portBase);
}

async function conformanceOf(corpus, runtime, log, portBase) {
  const id = runtime?.id ?? 'native';
  const label = `node ${corpus.version} test-net ${id}`;
  log.write(`\n=== ${label} (${elapsed()})\n`);
  try {
    const { exitCode, path } = await runConformance({ corpus, runtime, resultsRelative, portBase, stdout: log, stderr: log });
    suites.push({ kind: 'conformance', label, path, runtimeId: id, version: corpus.version, exitCode });
  } catch (error) {
    failures.push(`${label} could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The Windows suites: one per runtime, `parallel` at a time, each with its own log. */
async function windowsSuites() {
  if (onWindows) {
    process.stdout.write(`\n=== windows suite (native, Node ${process.version})\n`);
    const exitCode = await runOnWindowsNode([vitest, 'run', '--project', 'windows', '--project', 'windows-load', ...reporters('windows')], { name: 'windows-suite', timeoutMs: SUITE_TIMEOUT_MS });
    suites.push({ suite: 'windows', label: `windows (native, Node ${process.version})`, exitCode });
    if (!runConformanceSuite) return;
    const missing = nodeTestCorpora.filter((corpus) => !existsSync(nodeTestDirOf(corpus)));
    if (missing.length > 0) {
      process.stdout.write(`\nNode's test-net files not run: their sources come from Debian's nodejs packages (apt-get); run npm test once on Linux, or set MIO_TS_CONFORMANCE=0\n`);
      failures.push(`Node's test-net sources missing at ${missing.map(nodeTestDirOf).join(', ')}`);
      return;
    }
    await conformance(undefined, process.stdout, 20_000);
    return;
  }
  const chosen = selectRuntimes(process.env.MIO_TS_RUNTIMES);
  if (runConformanceSuite) {
    for (const corpus of nodeTestCorpora) {
      try {
        ensureNodeTests(corpus, (line) => process.stdout.write(`${line}\n`));
      } catch (error) {
        failures.push(`Node ${corpus.version}'s test-net sources could not be fetched: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  const queue = [];
  // Provisioning one after another: two runtimes may share a Wine and its prefix.
  for (const runtime of chosen) {
    process.stdout.write(`\n=== provisioning ${runtime.id} (${elapsed()})\n`);
    try {
      const { wineVersion } = provision(runtime);
      queue.push({ runtime, label: `windows ${runtime.id} (${wineVersion}, Windows Node ${runtime.node})` });
    } catch (error) {
      failures.push(`runtime ${runtime.id} could not be provisioned: ${error instanceof Error ? error.message : String(error)}`);
      suites.push({ suite: `windows-${runtime.id}`, label: `windows ${runtime.id}`, exitCode: undefined });
    }
  }
  const parallel = Math.max(1, Number(process.env.MIO_TS_PARALLEL) || 2);
  const runOne = async ({ runtime, label }) => {
    const suite = `windows-${runtime.id}`;
    const logPath = join(resultsDir, `${suite}.log`);
    const logStream = createWriteStream(logPath);
    process.stdout.write(`\n--- ${label}: started (${elapsed()}), output in ${logPath}\n`);
    let exitCode;
    try {
      exitCode = await runOnWindowsNode([vitest, 'run', '--project', 'windows', '--project', 'windows-load', ...reporters(suite)], {
        name: suite,
        runtime,
        timeoutMs: SUITE_TIMEOUT_MS,
        stdout: logStream,
        stderr: logStream,
      });
    } catch (error) {
      failures.push(`${label} could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    suites.push({ suite, label, exitCode });
    if (runConformanceSuite) {
      // Ports apart from the runtime running beside it (both share the host's network).
      await conformance(runtime, logStream, 20_000 + 1_000 * runtimes.indexOf(runtime));
    }
    await new Promise((resolve) => logStream.end(resolve));
    process.stdout.write(`\n=== ${label}: finished (${elapsed()})\n${readFileSync(logPath, 'utf8')}`);
  };
  const jobs = queue.map((item) => () => runOne(item));
  // The win32 run goes last, beside the last suite: it needs no runtime of its own.
  if (process.env.MIO_TS_ORCHESTRATION !== '0') jobs.push(orchestrationOnWindowsNode);
  const workers = Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    for (let next = jobs.shift(); next !== undefined; next = jobs.shift()) await next();
  });
  await Promise.all(workers);
}

try {
  await windowsSuites();
} catch (error) {
  failures.push(`the Windows suites could not run: ${error instanceof Error ? error.message : String(error)}`);
}

if (!onWindows) {
  // The Linux launcher end to end: host processes on both sides of a relay under Wine.
  process.stdout.write(`\n=== launcher suite (${elapsed()})\n`);
  // Debian's iperf3, socat, curl and wrk are the real clients the relay is judged by (test/launcher).
  for (const program of ['iperf3', 'socat', 'curl', 'wrk']) {
    try {
      ensureHostProgram(program);
    } catch (error) {
      failures.push(`${program} could not be installed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const launcher = spawnSync(process.execPath, [vitest, 'run', '--project', 'launcher', ...reporters('launcher')], { cwd: root, stdio: 'inherit' });
  suites.push({ suite: 'launcher', label: `launcher (host Node ${process.version}; stdio on the default runtime, iperf3, socat, curl and wrk on each)`, exitCode: launcher.status });
}

function conformanceCounts({ label, path, runtimeId, version, exitCode }) {
  const { passed, failed, skipped, problems, lines } = judgeConformance(path, runtimeId, label, version);
  if (exitCode !== 0) problems.push(`${label}: runner exited ${exitCode}`);
  failures.push(...problems);
  process.stdout.write(`${lines.join('\n')}\n${label}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  return { passed, failed, skipped };
}

function counts(entry) {
  if (entry.kind === 'conformance') return conformanceCounts(entry);
  const { suite, label, exitCode } = entry;
  const file = join(resultsDir, `${suite}.json`);
  if (!existsSync(file)) {
    failures.push(`${label}: wrote no results (exit ${exitCode})`);
    return { passed: 0, failed: 0, skipped: 0 };
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const result = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
  // Skipped tests prove nothing: a suite must have run (and passed) tests of its own.
  if (result.passed + result.failed === 0) failures.push(`${label}: executed no tests (${result.skipped} skipped)`);
  if (report.numFailedTestSuites > 0) failures.push(`${label}: ${report.numFailedTestSuites} file(s) failed to run`);
  if (exitCode !== 0) failures.push(`${label}: exited ${exitCode}`);
  process.stdout.write(`${label}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped\n`);
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') process.stdout.write(`  skipped: ${test.fullName}\n`);
    }
  }
  return result;
}

process.stdout.write(`\n=== summary (${elapsed()})\n`);
const all = suites.map(counts);
for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
const passed = all.reduce((n, r) => n + r.passed, 0);
const failed = all.reduce((n, r) => n + r.failed, 0);
const skipped = all.reduce((n, r) => n + r.skipped, 0);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failures.length > 0 || failed > 0 ? 1 : 0);
