// The drop-in's conformance suite in `npm test`: Node's own test-net-*.js files of each corpus
// (scripts/node-tests.mjs) run by one runtime's Windows node, stock and with the drop-in
// (test/conformance/run-node-net-tests.mjs), then judged: every file stock node passes must pass
// with the drop-in too, unless test/conformance/known-failures.mjs names it with a reason.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { knownFailure } from '../test/conformance/known-failures.mjs';
import { nodeTestDirOf } from './node-tests.mjs';
import { root } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

// Each file gets its own deadline; a hang costs this much and is a failure.
const FILE_TIMEOUT_MS = 30_000;
const SUITE_TIMEOUT_MS = 20 * 60_000;

/** The results file of one corpus under one runtime, relative to the results directory. */
export function conformanceResultsFile(corpus, runtimeId) {
  return `node-net-${corpus.version}-${runtimeId}.json`;
}

/** Runs the corpus's files under `runtime` (undefined: natively on Windows); resolves with the results file's path. */
export async function runConformance({ corpus, runtime, resultsRelative, portBase, stdout, stderr }) {
  const id = runtime?.id ?? 'native';
  const out = `${resultsRelative}/${conformanceResultsFile(corpus, id)}`;
  const args = ['test/conformance/run-node-net-tests.mjs', '--tests', relative(root, nodeTestDirOf(corpus)).replaceAll('\\', '/'), '--out', out];
  args.push('--port-base', String(portBase), '--timeout-ms', String(FILE_TIMEOUT_MS), '--concurrency', '3');
  // A local subset (a regexp on file names); CI runs them all.
  if (process.env.MIO_TS_CONFORMANCE_ONLY) args.push('--only', process.env.MIO_TS_CONFORMANCE_ONLY);
  const exitCode = await runOnWindowsNode(args, { name: `node-net-${corpus.version}-${id}`, runtime, timeoutMs: SUITE_TIMEOUT_MS, stdout, stderr });
  return { exitCode, path: join(root, out) };
}

/**
 * Judges one runtime's results. Counts only the drop-in runs of files stock node passes: passed,
 * failed (not listed as known) and skipped (listed, with the reason printed). Returns the
 * counts and the lines to print.
 */
export function judgeConformance(path, runtimeId, label, version) {
  if (!existsSync(path)) return { passed: 0, failed: 0, skipped: 0, problems: [`${label}: wrote no results`], lines: [] };
  const { results, excluded } = JSON.parse(readFileSync(path, 'utf8'));
  const stock = new Map(results.filter((result) => result.mode === 'stock').map((result) => [result.file, result]));
  const dropIn = results.filter((result) => result.mode === 'drop-in');
  const stockPassed = [...stock.values()].filter((result) => result.passed);
  const lines = [`${label}: stock node passes ${stockPassed.length} of ${stock.size}, the drop-in ${dropIn.filter((r) => r.passed).length} of ${dropIn.length} (${excluded.length} files left out: internals, fds, child processes)`];
  const problems = [];
  for (const result of stock.values()) {
    if (result.passed) continue;
    const known = knownFailure(result.file, 'stock', runtimeId, version);
    lines.push(`  stock node fails ${result.file}: ${known?.reason ?? 'not listed in test/conformance/known-failures.mjs'}`);
  }
  for (const result of results.filter((r) => r.firstRun !== undefined)) {
    const first = result.firstRun.timedOut ? `no exit within ${Math.round(result.firstRun.ms / 1000)} s` : `exit ${result.firstRun.code}`;
    lines.push(`  drop-in ${result.file}: failed among others (${first}), ${result.passed ? 'passed' : 'failed'} alone`);
  }
  for (const result of results.filter((r) => r.teardownAborts > 0)) {
    lines.push(`  ${result.mode} ${result.file}: aborted at exit ${result.teardownAborts} time(s) by Node's own teardown assertion (nodejs/node#56645), then ${result.passed ? 'passed' : 'failed'}`);
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const result of dropIn) {
    if (stock.get(result.file)?.passed !== true) continue;
    const known = knownFailure(result.file, 'drop-in', runtimeId, version);
    if (result.passed) {
      counts.passed += 1;
      if (known !== undefined) lines.push(`  passes although listed as a known failure (remove it): ${result.file}`);
    } else if (known !== undefined) {
      counts.skipped += 1;
      lines.push(`  skipped: ${result.file} (known failure: ${known.reason})`);
    } else {
      counts.failed += 1;
      const why = result.timedOut ? `no exit within ${Math.round(result.ms / 1000)} s` : `exit ${result.code}`;
      problems.push(`${label}: ${result.file} passes stock but fails with the drop-in (${why})`);
      lines.push(`  FAILED with the drop-in: ${result.file} (${why})\n${indent(result.output ?? '')}`);
    }
  }
  return { ...counts, problems, lines };
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .slice(-25)
    .map((line) => `    | ${line}`)
    .join('\n');
}
