// `npm run bench`: builds, runs each benchmark of bench/ with a Windows Node.js (under Wine on
// Linux), and merges what they report into bench/results.json with the machine they ran on.
//
//   npm run bench                                   every benchmark, with and without pinning
//   npm run bench -- selector-idle-sockets          one (or several) by name
//   npm run bench -- --pin=on|off|both --cpus=0     pinning (also MIO_BENCH_PIN, MIO_BENCH_CPUS)
//   npm run bench -- --runtime=wine8-node22         another runtime of scripts/runtimes.mjs (also
//                                                   MIO_TS_RUNTIME); the default is Wine 10.0 + Node 22
//   MIO_BENCH_PING_PONG_MS=1000 MIO_BENCH_BULK_MIB=64 npm run bench -- tcp-ping-pong tcp-bulk
//                                                   shorter rounds, to check the code (not for figures)
//   MIO_BENCH_RELAY_MS=1500 npm run bench -- relay-throughput
//                                                   the same for the relay (4000 ms per round)
//
// A benchmark is any .ts file directly in bench/ (helpers live in bench/lib/). It writes its
// JSON to the path in MIO_BENCH_OUT. Pinning runs Wine (node.exe and the wineserver it starts)
// under `taskset -c <cpus>`: Wine round trips were measured 3-4x faster on one CPU (README, Benchmarks).
// Under Wine the benchmarks get their own prefix (a copy of the test prefix) so that their
// wineserver is theirs alone: pinned or not as the run asks, and not shared with a test run.
// A benchmark may have a companion run by the host's Node beside it (http-rps: the Linux-side
// HTTP load generator); they meet in a rendezvous directory named in MIO_BENCH_RENDEZVOUS.
// tcp-ping-pong and tcp-bulk also measure the C AFD loop (bench/c/afd-loop.c), the physical
// limit: this script compiles it with Debian's mingw-w64 (x86_64-w64-mingw32-gcc, package
// gcc-mingw-w64-x86-64, installed with apt-get when missing) into .cache/bench/afd-loop.exe and
// names it in MIO_BENCH_AFD_LOOP; the benchmark starts it between its rounds, so it runs in the
// same runtime and under the same pinning. The same source built as afd-loop.dll
// (MIO_BENCH_AFD_LOOP_DLL) runs the loop inside node.exe, on its main thread.
// The default runtime's figures go to bench/results.json, another runtime's to
// bench/results-<runtime>.json. Afterwards the charts (docs/bench-*.svg) are rendered from
// bench/results.json, and the chart of issue 13's goals from the run's own results file
// (docs/bench-goals-<runtime>.svg).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { renderCharts, renderGoalsChart } from './bench-charts.mjs';
import { figureText, goalRows, targetText, verdictText } from './bench-goals.mjs';
import { updateReadme } from './bench-readme.mjs';
import { defaultRuntimeId, selectRuntime } from './runtimes.mjs';
import { countTraceWindows, perRoundTrip } from './server-trace.mjs';
import { cacheDir, provision, root, toWindowsPath } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

const onWindows = process.platform === 'win32';
/** No benchmark run may take longer (MIO_BENCH_TIMEOUT_MS); a longer one is stopped and fails. */
const RUN_TIMEOUT_MS = Number(process.env.MIO_BENCH_TIMEOUT_MS) > 0 ? Number(process.env.MIO_BENCH_TIMEOUT_MS) : 15 * 60_000;
/** Benchmarks that run the C AFD loop beside their own variants. */
const USES_AFD_LOOP = new Set(['tcp-ping-pong', 'tcp-bulk', 'server-round-trips']);
/** Benchmarks whose wineserver's request trace is kept and counted (scripts/server-trace.mjs). */
const TRACES_SERVER = new Set(['server-round-trips']);
const MINGW_GCC = 'x86_64-w64-mingw32-gcc';
const MINGW_PACKAGE = 'gcc-mingw-w64-x86-64';
/** Benchmarks whose run needs a script of scripts/ beside it, run by the host's Node. */
const COMPANIONS = { 'http-rps': 'http-load.mjs' };

function parseArgs(argv) {
  const options = { names: [], pin: process.env.MIO_BENCH_PIN ?? 'both', cpus: process.env.MIO_BENCH_CPUS ?? '0', runtime: process.env.MIO_TS_RUNTIME };
  for (const arg of argv) {
    if (arg.startsWith('--runtime=')) options.runtime = arg.slice('--runtime='.length);
    else     if (arg.startsWith('--pin=')) options.pin = arg.slice('--pin='.length);
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

// --- The C AFD loop -------------------------------------------------------------------------

/**
 * Compiles bench/c/afd-loop.c into .cache/bench/afd-loop.exe (every run: it takes a second, and
 * the figures always come from the source as it is). Installs mingw-w64 with apt-get when it is
 * missing, the way scripts/wine.mjs installs Wine. Returns what the results record, with `exe`;
 * undefined on Windows without mingw-w64 (the benchmarks then leave the C row out).
 */
function buildAfdLoop() {
  let version = commandOutput(MINGW_GCC, ['--version']);
  if (version === undefined && onWindows) {
    log(`${MINGW_GCC} not found: the C AFD loop is left out`);
    return undefined;
  }
  if (version === undefined) {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) fail(`${MINGW_GCC} is missing: install ${MINGW_PACKAGE} (apt-get install -y ${MINGW_PACKAGE}), or run once as root`);
    log(`installing ${MINGW_PACKAGE} (apt-get)...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', MINGW_PACKAGE], { stdio: 'ignore', env });
    version = commandOutput(MINGW_GCC, ['--version']);
    if (version === undefined) fail(`apt-get installed ${MINGW_PACKAGE} but ${MINGW_GCC} does not run`);
  }
  const exe = join(cacheDir, 'bench', 'afd-loop.exe');
  mkdirSync(join(cacheDir, 'bench'), { recursive: true });
  const args = ['-O2', '-Wall', '-Wextra', '-o', exe, join('bench', 'c', 'afd-loop.c'), '-lws2_32', '-lntdll'];
  log(`compiling the C AFD loop (${MINGW_GCC} ${args.join(' ')})...`);
  const gcc = spawnSync(MINGW_GCC, args, { cwd: root, stdio: 'inherit' });
  if (gcc.status !== 0) fail('compiling bench/c/afd-loop.c failed');
  const dll = join(cacheDir, 'bench', 'afd-loop.dll');
  const dllArgs = ['-O2', '-Wall', '-Wextra', '-shared', '-DAFD_LOOP_DLL', '-o', dll, join('bench', 'c', 'afd-loop.c'), '-lws2_32', '-lntdll'];
  const dllGcc = spawnSync(MINGW_GCC, dllArgs, { cwd: root, stdio: 'inherit' });
  if (dllGcc.status !== 0) fail('compiling bench/c/afd-loop.c as a DLL failed');
  return {
    exe,
    dll,
    source: 'bench/c/afd-loop.c',
    compiler: version.split('\n')[0],
    command: `${MINGW_GCC} ${args.join(' ').replace(exe, '.cache/bench/afd-loop.exe')}`,
    dllCommand: `${MINGW_GCC} ${dllArgs.join(' ').replace(dll, '.cache/bench/afd-loop.dll')}`,
  };
}

// --- Wine: a prefix of the benchmarks' own, and its wineserver ------------------------------

function benchPrefix({ prefix: testPrefix, runtime }) {
  const prefix = join(cacheDir, `wine-prefix-bench-${runtime.debian}`);
  if (existsSync(join(prefix, '.mio-ts-ready'))) return prefix;
  log('copying the Wine prefix for the benchmarks (once)...');
  rmSync(prefix, { recursive: true, force: true });
  execFileSync('cp', ['-a', testPrefix, prefix]);
  return prefix;
}

/**
 * Waits until the prefix's wineserver exited, so the next run starts one with its own affinity.
 * One still up after a minute (seen on a loaded machine) is stopped: a pinned run on it would
 * not be pinned. The prefix is the benchmarks' own, so nothing else runs on that wineserver.
 */
function waitForWineserver({ launch, wineserver, env }, prefix) {
  const options = { env: { ...env, WINEPREFIX: prefix }, stdio: 'ignore', timeout: 60_000 };
  spawnSync(...launch(wineserver, ['-w']), options);
  if (!wineProcesses(prefix).some(({ comm }) => comm.startsWith('wineserver'))) return;
  log("the benchmarks' wineserver was still up after 60 s: stopping it (wineserver -k)");
  spawnSync(...launch(wineserver, ['-k']), options);
  spawnSync(...launch(wineserver, ['-w']), options);
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

/** The code measured: the commit, and whether src/ (or the benchmarks) had uncommitted changes. */
function sourceInfo() {
  const commit = commandOutput('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  // Not bench/results*.json, which every run rewrites.
  const changes = commandOutput('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'bench/*.ts', 'bench/lib', 'bench/c']);
  return { commit: commit ?? null, srcModified: changes === undefined ? null : changes.length > 0 };
}

function machineInfo(wineVersion) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    wine: onWindows ? null : (wineVersion ?? 'unknown'),
    hostNode: process.version,
  };
}

// --- Companions -----------------------------------------------------------------------------

/** The CPUs not in a taskset list, as a list; undefined when none are left. */
function otherCpus(list) {
  const taken = new Set();
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    for (let cpu = from; cpu <= to; cpu++) taken.add(cpu);
  }
  const rest = os.cpus().map((_cpu, index) => index).filter((cpu) => !taken.has(cpu));
  return rest.length > 0 ? rest.join(',') : undefined;
}

/**
 * Starts the companion of benchmark `name`, if it has one, with a fresh rendezvous directory.
 * Pinned runs put it on the CPUs Wine does not use. stop() ends it if it is still running.
 */
function startCompanion(name, mode, { cpus }) {
  const script = COMPANIONS[name];
  if (script === undefined) return undefined;
  const dir = join(cacheDir, 'bench', `${name}-${mode}-${process.pid}-rendezvous`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const companionCpus = mode === 'pinned' && !onWindows ? otherCpus(cpus) : undefined;
  const args = [join(root, 'scripts', script), '--rendezvous', dir, '--timeout-ms', String(RUN_TIMEOUT_MS)];
  const [command, commandArgs] = companionCpus === undefined ? [process.execPath, args] : ['taskset', ['-c', companionCpus, process.execPath, ...args]];
  log(`${name}: companion scripts/${script} on the host${companionCpus === undefined ? '' : ` (taskset -c ${companionCpus})`}`);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  let exitCode = null;
  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      log(`companion ${script} failed to start: ${error.message}`);
      resolve();
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      resolve();
    });
  });
  return {
    windowsDir: onWindows ? dir : toWindowsPath(dir),
    async stop() {
      if (exitCode === null) {
        // The benchmark is over: whatever the companion still does is of no use.
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(kill);
      }
      rmSync(dir, { recursive: true, force: true });
      return { script: `scripts/${script}`, hostNode: process.version, taskset: companionCpus === undefined ? null : `taskset -c ${companionCpus}`, exitCode };
    },
  };
}

// --- Running --------------------------------------------------------------------------------

async function runOne(name, mode, { cpus, prefix, runtime, afdLoop }) {
  const outDir = join(cacheDir, 'bench');
  mkdirSync(outDir, { recursive: true });
  const outPath = join(outDir, `${name}-${mode}-${process.pid}.json`);
  rmSync(outPath, { force: true });
  const env = { MIO_BENCH_OUT: onWindows ? outPath : toWindowsPath(outPath) };
  if (prefix !== undefined) env.WINEPREFIX = prefix;
  const withAfdLoop = afdLoop !== undefined && USES_AFD_LOOP.has(name);
  if (withAfdLoop) env.MIO_BENCH_AFD_LOOP = onWindows ? afdLoop.exe : toWindowsPath(afdLoop.exe);
  if (withAfdLoop) env.MIO_BENCH_AFD_LOOP_DLL = onWindows ? afdLoop.dll : toWindowsPath(afdLoop.dll);
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
  const companion = startCompanion(name, mode, { cpus });
  if (companion !== undefined) env.MIO_BENCH_RENDEZVOUS = companion.windowsDir;
  // The run starts the wineserver (waitForWineserver saw the last one gone), which inherits the
  // run's stderr: kept in a file, it holds the request trace.
  const tracePath = TRACES_SERVER.has(name) && !onWindows ? join(outDir, `${name}-${mode}-${process.pid}.trace`) : undefined;
  const trace = tracePath === undefined ? undefined : createWriteStream(tracePath);
  if (trace !== undefined) {
    env.MIO_BENCH_SERVER_TRACE = '1';
    // From the start, so that every thread's process is in the trace.
    env.WINEDEBUG = '+server';
  }
  const started = Date.now();
  const code = await runOnWindowsNode([`dist/bench/${name}.js`], { name: `bench-${name}`, env, runtime, timeoutMs: RUN_TIMEOUT_MS, ...(pinned && !onWindows ? { cpus } : {}), ...(trace === undefined ? {} : { stderr: trace }) });
  clearTimeout(sampler);
  // A process of the run on other CPUs than asked: say so (the figures are not pinned ones).
  const strays = pinned && affinity !== undefined ? Object.entries(affinity).filter(([, allowed]) => allowed !== cpus) : [];
  if (strays.length > 0) log(`${name}: warning: not pinned to CPU ${cpus}: ${strays.map(([comm, allowed]) => `${comm} on ${allowed}`).join(', ')}`);
  const companionInfo = await companion?.stop();
  const wallSeconds = Math.round((Date.now() - started) / 100) / 10;
  if (code !== 0 || !existsSync(outPath)) {
    log(`${name} (${mode}) failed with exit code ${code}`);
    return undefined;
  }
  const report = JSON.parse(readFileSync(outPath, 'utf8'));
  rmSync(outPath, { force: true });
  if (trace !== undefined) {
    await new Promise((resolve) => trace.end(resolve));
    report.results.perRoundTrip = perRoundTrip(report.results.windows ?? {}, await countTraceWindows(tracePath));
    rmSync(tracePath, { force: true });
  }
  return {
    ...report,
    run: {
      mode,
      source,
      runtimeId: runtime?.id ?? 'native',
      taskset: pinned && !onWindows ? `taskset -c ${cpus}` : null,
      affinity: affinity ?? null,
      loadAverageBefore: loadBefore.map((value) => Math.round(value * 100) / 100),
      wallSeconds,
      ...(withAfdLoop ? { afdLoop: { source: afdLoop.source, compiler: afdLoop.compiler, command: afdLoop.command, dllCommand: afdLoop.dllCommand } } : {}),
      ...(companionInfo === undefined ? {} : { companion: companionInfo }),
    },
  };
}

function readResults(RESULTS) {
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
  const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
  const header = lines.slice(0, lines.findIndex((line) => !line.startsWith('//')));
  process.stdout.write(`${header.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}
build();
const names = discover(options.names);
const afdLoop = names.some((name) => USES_AFD_LOOP.has(name)) ? buildAfdLoop() : undefined;
const modes = onWindows ? ['unpinned'] : options.pin === 'both' ? ['unpinned', 'pinned'] : options.pin === 'on' ? ['pinned'] : ['unpinned'];
if (onWindows && options.pin !== 'off') log('pinning applies to Wine only: running unpinned');
let runtime;
try {
  runtime = onWindows ? undefined : selectRuntime(options.runtime);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const RESULTS = join(root, 'bench', runtime === undefined || runtime.id === defaultRuntimeId ? 'results.json' : `results-${runtime.id}.json`);
const provisioned = runtime === undefined ? undefined : provision(runtime);
const prefix = provisioned === undefined ? undefined : benchPrefix(provisioned);
const machine = machineInfo(provisioned?.wineVersion);
log(`runtime: ${runtime?.id ?? 'native'}; pinning: ${modes.map((mode) => (mode === 'pinned' ? `pinned (taskset -c ${options.cpus})` : 'unpinned')).join(', then ')}; machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.wine ?? 'native Windows'}; results into ${RESULTS}`);

let results = readResults(RESULTS);
let failures = 0;
for (const name of names) {
  for (const mode of modes) {
    // A fresh wineserver per run: it inherits the run's pinning, and nothing of the last run.
    if (prefix !== undefined) waitForWineserver(provisioned, prefix);
    const report = await runOne(name, mode, { cpus: options.cpus, prefix, runtime, afdLoop });
    if (report === undefined) {
      failures++;
      continue;
    }
    results = merge(results, machine, report.runtime?.node ?? null, name, mode, report);
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  }
}
log(`results merged into ${RESULTS}${failures > 0 ? ` (${failures} run(s) failed)` : ''}`);
try {
  // The charts show the default runtime's figures.
  if (RESULTS.endsWith('results.json')) for (const file of renderCharts(results)) log(`chart ${file}`);
  // Issue 13's goals: printed, and a chart per runtime.
  log(`issue 13's goals, ${runtime?.id ?? defaultRuntimeId}, pinned figures of ${RESULTS}:`);
  for (const row of goalRows(results)) log(`  ${row.measure}: ${figureText(row)} (goal ${targetText(row)}) ${verdictText(row)}`);
  log(`chart ${renderGoalsChart(results, runtime?.id ?? defaultRuntimeId)}`);
  if (updateReadme(RESULTS, runtime?.id ?? defaultRuntimeId)) log('README.md: the side-by-side table regenerated');
} catch (error) {
  log(`rendering the charts failed: ${error instanceof Error ? error.message : String(error)}`);
  failures++;
}
process.exit(failures > 0 ? 1 : 0);
