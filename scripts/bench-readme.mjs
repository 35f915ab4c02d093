// Writes the README's table of side-by-side benchmark figures from a results file, between the
// markers `<!-- bench-table:<runtime> begin -->` and `<!-- bench-table:<runtime> end -->`: no
// figure in that table is typed by hand. `npm run bench` calls it; by hand:
//   node scripts/bench-readme.mjs [bench/results.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detailTable, traceTable } from './bench-detail.mjs';
import { goalsTable } from './bench-goals.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const MODES = ['pinned', 'unpinned'];

const format = (value) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: value >= 100 ? 0 : 2 }) : String(value));

/** The Markdown table of every comparison (values, ratios to the baseline and to the limit) in `results`. */
export function benchTable(results) {
  const rows = ['| Benchmark | Measure | Mode | Values | Ratio to baseline | Ratio to the physical limit |', '| --- | --- | --- | --- | --- | --- |'];
  for (const [name, entry] of Object.entries(results.benchmarks ?? {})) {
    for (const mode of MODES) {
      const run = entry.runs?.[mode];
      for (const comparison of run?.results?.comparisons ?? []) {
        const values = Object.entries(comparison.values ?? {})
          .map(([label, value]) => `${label}: ${format(value)}`)
          .join('; ');
        const ratios = Object.entries(comparison.ratios ?? {})
          .map(([label, ratio]) => `${label}: ${format(ratio)}x`)
          .join('; ');
        // The C AFD loop, where measured: each variant / the loop (bench/c/afd-loop.c).
        const limit =
          comparison.limit === undefined
            ? '-'
            : `vs ${comparison.limit}: ${Object.entries(comparison.limitRatios ?? {})
                .map(([label, ratio]) => `${label}: ${format(ratio)}x`)
                .join('; ')}`;
        rows.push(`| ${name} | ${comparison.title} (${comparison.unit}) | ${mode} | ${values} | vs ${comparison.baseline}: ${ratios} | ${limit} |`);
      }
    }
  }
  const runs = Object.values(results.benchmarks ?? {}).flatMap((entry) => MODES.map((mode) => entry.runs?.[mode]).filter(Boolean));
  const commits = [...new Set(runs.map((run) => run.source?.commit).filter(Boolean))].join(', ');
  const dates = runs.map((run) => run.date).filter(Boolean).sort();
  const wine = results.machine?.wine ?? 'native Windows';
  const node = results.machine?.windowsNode ?? 'unknown';
  const pinning = [...new Set(runs.map((run) => run.taskset).filter(Boolean))].map((taskset) => `\`${taskset}\``).join(', ') || '`taskset -c 0`';
  const runtimes = [...new Set(runs.map((run) => run.runtimeId).filter(Boolean))].join(', ');
  const compilers = [...new Set(runs.map((run) => run.afdLoop?.compiler).filter(Boolean))];
  const limit = compilers.length === 0 ? '' : ` Physical limit: the C AFD loop (bench/c/afd-loop.c, ${compilers.join(', ')}), run by the same benchmark in the same runtime and pinning.`;
  const header = `Generated from the results file by scripts/bench-readme.mjs: ${runtimes ? `runtime ${runtimes}, ` : ''}${wine}, Windows Node.js ${node}, runs ${dates[0]?.slice(0, 10) ?? '?'} to ${dates.at(-1)?.slice(0, 10) ?? '?'} (commit ${commits || '?'}). Pinned: ${pinning}.${limit}`;
  return `${header}\n\n${rows.join('\n')}`;
}

/** `text` with what stands between `<!-- <marker> begin -->` and its end replaced by render(); unchanged without them. */
function replaceBlock(text, marker, render) {
  const begin = `<!-- ${marker} begin -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(`<!-- ${marker} end -->`);
  if (from < 0 || to < from) return text;
  return `${text.slice(0, from + begin.length)}\n${render()}\n${text.slice(to)}`;
}

/** Replaces the block of `runtime` in README.md with the table of `resultsPath`; false if no markers. */
export function updateReadme(resultsPath, runtime) {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const begin = `<!-- bench-table:${runtime} begin -->`;
  const end = `<!-- bench-table:${runtime} end -->`;
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return false;
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  let updated = `${readme.slice(0, from + begin.length)}\n${benchTable(results)}\n${readme.slice(to)}`;
  // The detail tables, where the README has a place for this runtime's.
  updated = replaceBlock(updated, `bench-detail:${runtime}`, () => detailTable(results));
  updated = replaceBlock(updated, `bench-trace:${runtime}`, () => traceTable(results));
  updated = replaceBlock(updated, `bench-goals:${runtime}`, () => goalsTable(results));
  writeFileSync(readmePath, updated);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const resultsPath = process.argv[2] ?? join(root, 'bench', 'results.json');
  const runtime = /results-(.+)\.json$/.exec(resultsPath)?.[1] ?? 'wine10-node22';
  if (!updateReadme(resultsPath, runtime)) {
    process.stderr.write(`README.md has no bench-table:${runtime} markers\n`);
    process.exit(1);
  }
}
