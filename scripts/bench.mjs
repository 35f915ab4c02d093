// `npm run bench`: builds, runs each benchmark of bench/ with a Windows Node.js (under Wine on
// Linux), and merges what they report into bench/results.json with the machine they ran on.
//
//   npm run bench                                   every benchmark, with and without pinning
//   npm run bench -- selector-idle-sockets          one (or several) by name
//   npm run bench -- --pin=on|off|both --cpus=0     pinning (also MIO_BENCH_PIN, MIO_BENCH_CPUS)
//
// A benchmark is any .ts file directly in bench/ (helpers live in bench/lib/). It writes its
// JSON to the path in MIO_BENCH_OUT. Pinning runs Wine (node.exe and the wineserver it starts)
// under `taskset -c <cpus>`: design.md §4 found Wine's round trips 3-4x faster on one CPU.
// Under Wine the benchmarks get their own prefix (a copy of the test prefix) so that their
// wineserver is theirs alone: pinned or not as the run asks, and not shared with a test run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { cacheDir, provision, root, toWindowsPath } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

const RESULTS = join(root, 'bench', 'results.json');
const onWindows = process.platform === 'win32';

function parseArgs(argv) {
  const options = { names: [], pin: process.env.MIO_BENCH_PIN ?? 'both', cpus: process.env.MIO_BENCH_CPUS ?? '0' };
  for (const arg of argv) {
    if (arg.startsWith('--pin=')) options.pin = arg.slice('--pin='.length);
    else if (arg.startsWith('--cpus=')) options.cpus = arg.slice('--cpus='.length);
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
    else options.names.push(arg.replace(/\.(ts|js)$/, ''));
  }
  if (!['on', 'off', 'both'].includes(options.pin)) fail(`--pin must be on, off or both, got ${options.pin}`);
  if (!/^[0-9][0-9,-]*$/.test(options.cpus)) fail(`--cpus must be a taskset CPU list such as 0 or 0-1, got ${options.cpus}`);
  return options;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

function build() {
  log('building (tsc -p tsconfig.build.json)...');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

/** Benchmarks are the .ts files directly in bench/; only those with a compiled twin run. */
function discover(names) {
  const all = readdirSync(join(root, 'bench'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => basename(file, '.ts'))
    .sort();
  for (const name of names) if (!all.includes(name)) fail(`no benchmark named ${name} (have: ${all.join(', ')})`);
  const chosen = names.length > 0 ? names : all;
  for (const name of chosen) if (!existsSync(join(root, 'dist', 'bench', `${name}.js`))) fail(`dist/bench/${name}.js is missing after the build`);
  return chosen;
}

function commandOutput(command, args, env = process.env) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env, timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

// --- Wine: a prefix of the benchmarks' own, and its wineserver ------------------------------

function benchPrefix(testPrefix) {
  const prefix = join(cacheDir, 'wine-prefix-bench');
  if (existsSync(join(prefix, '.mio-ts-ready'))) return prefix;
  log('copying the Wine prefix for the benchmarks (once)...');
  rmSync(prefix, { recursive: true, force: true });
  execFileSync('cp', ['-a', testPrefix, prefix]);
  return prefix;
}

function wineserverBinary() {
  return ['/usr/lib/wine/wineserver64', '/usr/bin/wineserver'].find((candidate) => existsSync(candidate));
}

/** Waits until the prefix's wineserver exited, so the next run starts one with its own affinity. */
function waitForWineserver(prefix) {
  const server = wineserverBinary();
  if (server === undefined) return;
  spawnSync(server, ['-w'], { env: { ...process.env, WINEPREFIX: prefix }, stdio: 'ignore', timeout: 60_000 });
}

/** Linux processes whose environment names the prefix: the wineserver and node.exe of a run. */
function wineProcesses(prefix) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (!environ.includes(`WINEPREFIX=${prefix}`)) continue;
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const cpus = /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1];
      found.push({ pid: Number(entry), comm, cpus });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

// --- Machine --------------------------------------------------------------------------------

/** The code measured: the commit, and whether src/ had uncommitted changes. */
function sourceInfo() {
  const commit = commandOutput('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const changes = commandOutput('git', ['-C', root, 'status', '--porcelain', '--', 'src']);
  return { commit: commit ?? null, srcModified: changes === undefined ? null : changes.length > 0 };
}

function machineInfo(wine) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    wine: onWindows ? null : (commandOutput(wine, ['--version']) ?? 'unknown'),
    hostNode: process.version,
  };
}

// --- Running --------------------------------------------------------------------------------

async function runOne(name, mode, { cpus, prefix }) {
  const outDir = join(cacheDir, 'bench');
  mkdirSync(outDir, { recursive: true });
  const outPath = join(outDir, `${name}-${mode}-${process.pid}.json`);
  rmSync(outPath, { force: true });
  const env = { MIO_BENCH_OUT: onWindows ? outPath : toWindowsPath(outPath) };
  if (prefix !== undefined) env.WINEPREFIX = prefix;
  const pinned = mode === 'pinned';
  log(`${name}: ${pinned ? `pinned (taskset -c ${cpus})` : 'not pinned'}`);
  const loadBefore = os.loadavg();
  // A few seconds in, note the CPUs the wineserver and node.exe may really run on.
  let affinity;
  const sampler =
    prefix === undefined
      ? undefined
      : setTimeout(() => {
          // By process name: node.exe, wineserver64 and the prefix's service processes.
          affinity = Object.fromEntries(wineProcesses(prefix).map(({ comm, cpus: allowed }) => [comm, allowed]));
        }, 3_000);
  const source = sourceInfo();
  const started = Date.now();
  const code = await runOnWindowsNode([`dist/bench/${name}.js`], { name: `bench-${name}`, env, ...(pinned && !onWindows ? { cpus } : {}) });
  clearTimeout(sampler);
  const wallSeconds = Math.round((Date.now() - started) / 100) / 10;
  if (code !== 0 || !existsSync(outPath)) {
    log(`${name} (${mode}) failed with exit code ${code}`);
    return undefined;
  }
  const report = JSON.parse(readFileSync(outPath, 'utf8'));
  rmSync(outPath, { force: true });
  return {
    ...report,
    run: {
      mode,
      source,
      taskset: pinned && !onWindows ? `taskset -c ${cpus}` : null,
      affinity: affinity ?? null,
      loadAverageBefore: loadBefore.map((value) => Math.round(value * 100) / 100),
      wallSeconds,
    },
  };
}

function readResults() {
  if (!existsSync(RESULTS)) return { benchmarks: {} };
  try {
    const parsed = JSON.parse(readFileSync(RESULTS, 'utf8'));
    return { ...parsed, benchmarks: parsed.benchmarks ?? {} };
  } catch {
    log('bench/results.json was unreadable: starting a new one');
    return { benchmarks: {} };
  }
}

function merge(results, machine, windowsNode, name, mode, report) {
  const { description, runtime, startedAt, durationMs, results: figures, notes, run } = report;
  const entry = results.benchmarks[name] ?? { runs: {} };
  entry.description = description;
  entry.runs = { ...entry.runs, [mode]: { date: startedAt, durationMs, ...run, runtime, machine, results: figures, notes } };
  const benchmarks = { ...results.benchmarks, [name]: entry };
  // Summary fields first, then the benchmarks by name.
  return {
    command: 'npm run bench',
    updated: new Date().toISOString(),
    machine: { ...machine, windowsNode },
    benchmarks: Object.fromEntries(Object.entries(benchmarks).sort(([a], [b]) => a.localeCompare(b))),
  };
}

const options = parseArgs(process.argv.slice(2));
if (options.help) {
  // The header comment above is the help text.
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 12);
  process.stdout.write(`${header.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}
build();
const names = discover(options.names);
const modes = onWindows ? ['unpinned'] : options.pin === 'both' ? ['unpinned', 'pinned'] : options.pin === 'on' ? ['pinned'] : ['unpinned'];
if (onWindows && options.pin !== 'off') log('pinning applies to Wine only: running unpinned');
const provisioned = onWindows ? undefined : provision();
const prefix = provisioned === undefined ? undefined : benchPrefix(provisioned.prefix);
const machine = machineInfo(provisioned?.wine);
log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.wine ?? 'native Windows'}`);

let results = readResults();
let failures = 0;
for (const name of names) {
  for (const mode of modes) {
    // A fresh wineserver per run: it inherits the run's pinning, and nothing of the last run.
    if (prefix !== undefined) waitForWineserver(prefix);
    const report = await runOne(name, mode, { cpus: options.cpus, prefix });
    if (report === undefined) {
      failures++;
      continue;
    }
    results = merge(results, machine, report.runtime?.node ?? null, name, mode, report);
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  }
}
log(`results merged into ${RESULTS}${failures > 0 ? ` (${failures} run(s) failed)` : ''}`);
process.exit(failures > 0 ? 1 : 0);
