// Writes the README's table of Node's test-net results (between the conformance-table markers)
// from the results files of the last `npm test` (.cache/results/node-net-<version>-<runtime>.json).
//
//   node scripts/conformance-readme.mjs [results dir]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knownFailure } from '../test/conformance/known-failures.mjs';
import { conformanceResultsFile } from './conformance.mjs';
import { nodeTestCorpora } from './node-tests.mjs';
import { runtimes } from './runtimes.mjs';
import { root } from './wine.mjs';

const resultsDir = process.argv[2] ?? join(root, '.cache', 'results');
const readmePath = join(root, 'README.md');

const rows = [];
// "file|version" -> { file, version, runtimeIds }
const stockFailures = new Map();
const dropInFailures = new Map();
const note = (failures, file, version, runtimeId) => {
  const key = `${file}|${version}`;
  const entry = failures.get(key) ?? { file, version, runtimeIds: [] };
  entry.runtimeIds.push(runtimeId);
  failures.set(key, entry);
};
for (const corpus of nodeTestCorpora) {
  for (const runtime of runtimes) {
    const path = join(resultsDir, conformanceResultsFile(corpus, runtime.id));
    if (!existsSync(path)) continue;
    const { results, node } = JSON.parse(readFileSync(path, 'utf8'));
    const stock = results.filter((result) => result.mode === 'stock');
    const stockPassed = new Set(stock.filter((result) => result.passed).map((result) => result.file));
    const dropIn = results.filter((result) => result.mode === 'drop-in' && stockPassed.has(result.file));
    const dropInPassed = dropIn.filter((result) => result.passed).length;
    rows.push(`| Node ${corpus.version} | \`${runtime.id}\` (Wine ${runtime.wine}, Node ${node}) | ${stockPassed.size} of ${stock.length} | ${dropInPassed} of ${dropIn.length} |`);
    for (const result of stock.filter((r) => !r.passed)) note(stockFailures, result.file, corpus.version, runtime.id);
    for (const result of dropIn.filter((r) => !r.passed)) note(dropInFailures, result.file, corpus.version, runtime.id);
  }
}
if (rows.length === 0) throw new Error(`no node-net-*.json results in ${resultsDir}: run npm test first`);

/** One row per file, runtimes and reason; the corpora that share them are named together. */
function listed(failures, mode) {
  const rows = new Map();
  for (const { file, version, runtimeIds } of failures.values()) {
    const reason = knownFailure(file, mode, runtimeIds[0], version)?.reason ?? '(not listed in test/conformance/known-failures.mjs)';
    const key = `${file}|${runtimeIds.join(', ')}|${reason}`;
    const row = rows.get(key) ?? { file, versions: [], runtimes: runtimeIds.join(', '), reason };
    row.versions.push(version);
    rows.set(key, row);
  }
  return [...rows.values()]
    .sort((a, b) => a.file.localeCompare(b.file) || a.versions[0].localeCompare(b.versions[0]))
    .map(({ file, versions, runtimes: ids, reason }) => `| \`${file}\` | ${versions.join(', ')} | ${ids} | ${reason} |`);
}
const lines = [
  "| Node's tests | runtime | stock node.exe passes | the drop-in passes, of the files stock passes |",
  '|---|---|---|---|',
  ...rows,
  '',
  'Files stock node.exe itself fails, and why:',
  '',
  "| file | Node's tests | runtimes | reason |",
  '|---|---|---|---|',
  ...listed(stockFailures, 'stock'),
];
if (dropInFailures.size > 0) {
  lines.push('', 'Files stock node.exe passes and the drop-in does not (listed known failures):', '', "| file | Node's tests | runtimes | reason |", '|---|---|---|---|', ...listed(dropInFailures, 'drop-in'));
}
const begin = '<!-- conformance-table begin -->';
const end = '<!-- conformance-table end -->';
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(begin);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error('README.md has no conformance-table markers');
writeFileSync(readmePath, `${readme.slice(0, from + begin.length)}\n${lines.join('\n')}\n${readme.slice(to)}`);
process.stdout.write(`README.md: conformance table from ${rows.length} runtime(s)\n`);
