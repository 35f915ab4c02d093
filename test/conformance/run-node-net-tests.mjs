// Runs Node's own test-net-*.js files with this (Windows) node, one process per file, twice:
// stock, and with node:net swapped for the drop-in (preload-drop-in.cjs). Writes every outcome
// to a JSON file; scripts/test.mjs judges them against known-failures.mjs.
//
//   node test/conformance/run-node-net-tests.mjs --tests <node's test/> --out <file.json>
//        [--concurrency 3] [--port-base 20000] [--timeout-ms 30000] [--only <regexp>] [--modes stock,drop-in]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectNetTests } from './selection.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    tests: { type: 'string' },
    out: { type: 'string' },
    concurrency: { type: 'string', default: '3' },
    'port-base': { type: 'string', default: '20000' },
    'timeout-ms': { type: 'string', default: '30000' },
    only: { type: 'string' },
    modes: { type: 'string', default: 'stock,drop-in' },
  },
});
if (values.tests === undefined || values.out === undefined) throw new Error('--tests and --out are required');
const testsDir = resolve(values.tests);
const parallelDir = join(testsDir, 'parallel');
const concurrency = Number(values.concurrency);
const portBase = Number(values['port-base']);
const timeoutMs = Number(values['timeout-ms']);
const modes = values.modes.split(',');
const preload = join(here, 'preload-drop-in.cjs');
// Node 23+ on Windows can abort at exit when a concurrent GC task is posted to a loop already torn
// down (nodejs/node#56645; README.md, Wine quirks): measured 4 aborts in 12 runs of one file with
// the drop-in, none with GC on the main thread. Stock and drop-in runs get the same flag.
const NODE_WORKAROUNDS = process.platform === 'win32' && Number(process.versions.node.split('.')[0]) >= 23 ? ['--single-threaded-gc'] : [];
// Node's output is kept for failures only, and only its end.
const OUTPUT_TAIL = 4_000;

const selection = selectNetTests(parallelDir).filter(({ file }) => values.only === undefined || new RegExp(values.only).test(file));
const runnable = selection.filter((entry) => entry.excluded === undefined);
const jobs = modes.flatMap((mode) => runnable.map((entry) => ({ mode, ...entry })));

const SPAWN_ATTEMPTS = 3;

/**
 * Runs one file; resolves with its outcome. `slot` keeps ports and tmp dirs apart. Under Wine 8.0
 * starting a process once failed with `spawn UNKNOWN` (CreateProcess, nothing of the test ran):
 * such a start is tried again, and reported as the file's failure only if it keeps failing.
 */
async function runOne(job, slot) {
  let result;
  for (let attempt = 1; attempt <= SPAWN_ATTEMPTS; attempt++) {
    result = await runOnce(job, slot);
    if (result.spawnError === undefined) return result;
    process.stdout.write(`could not start ${job.mode} ${job.file} (attempt ${attempt}): ${result.spawnError}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return result;
}

function runOnce({ mode, file, flags }, slot) {
  const args = [...NODE_WORKAROUNDS, ...(mode === 'drop-in' ? ['-r', preload] : []), ...flags, join(parallelDir, file)];
  const started = Date.now();
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(process.execPath, args, {
        cwd: testsDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          // The 18.x harness does not know Node 22's globals (navigator).
          NODE_TEST_KNOWN_GLOBALS: '0',
          // Flags are passed above; the harness would otherwise respawn the file to add them.
          NODE_SKIP_FLAG_CHECK: '1',
          NODE_COMMON_PORT: String(portBase + slot * 10),
          TEST_THREAD_ID: `${portBase}-${slot}`,
        },
      });
    } catch (error) {
      const spawnError = error instanceof Error ? error.message : String(error);
      resolve({ mode, file, passed: false, code: null, signal: null, timedOut: false, ms: Date.now() - started, spawnError, output: `could not start: ${spawnError}` });
      return;
    }
    let output = '';
    const collect = (chunk) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    // A start that fails after spawn() returned comes as 'error': the same as a failed start.
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ mode, file, passed: false, code: null, signal: null, timedOut: false, ms: Date.now() - started, spawnError: error.message, output: `could not start: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      const passed = !timedOut && code === 0;
      resolve({ mode, file, passed, code, signal, timedOut, ms, ...(passed ? {} : { output }) });
    });
  });
}

const TEARDOWN_RETRIES = 4;
// STATUS_STACK_BUFFER_OVERRUN: how a failed libuv assertion ends a Windows process.
const ASSERTION_EXIT = 0xc0000409;

function isTeardownAbort(result) {
  return !result.passed && result.code === ASSERTION_EXIT && /UV_HANDLE_CLOSING\), file src\\win\\async\.c/.test(result.output ?? '');
}

const results = [];
const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, jobs.length) }, async (_, slot) => {
    while (next < jobs.length) {
      const job = jobs[next++];
      let result = await runOne(job, slot);
      // Node 23+ on Windows may abort at exit after the test is done (nodejs/node#56645: its
      // uv_async_send after uv_close); such a run says nothing about net, so it runs again.
      let teardownAborts = 0;
      while (isTeardownAbort(result) && teardownAborts < TEARDOWN_RETRIES) {
        teardownAborts += 1;
        result = { ...(await runOne(job, slot)), teardownAborts };
      }
      results.push(result);
      process.stdout.write(`${result.passed ? 'pass' : result.timedOut ? 'TIMEOUT' : 'FAIL'} ${result.mode} ${result.file} (${result.ms} ms)\n`);
    }
  }),
);

// A drop-in failure of a file stock passed runs again alone, up to ALONE_ATTEMPTS times until it
// passes: a few files allow a second or less (test-net-connect-paused-connection must exit
// within 1 s), which the other runtime's suite beside it on two CPUs can still exceed. Every run
// is reported; the file counts as passed only if one alone run passed.
const ALONE_ATTEMPTS = 3;
const stockPassed = new Set(results.filter((result) => result.mode === 'stock' && result.passed).map((result) => result.file));
for (const [index, result] of results.entries()) {
  if (result.mode !== 'drop-in' || result.passed || !stockPassed.has(result.file)) continue;
  const job = jobs.find((candidate) => candidate.mode === 'drop-in' && candidate.file === result.file);
  let again;
  for (let attempt = 1; attempt <= ALONE_ATTEMPTS && !again?.passed; attempt++) {
    again = await runOne(job, 0);
    process.stdout.write(`${again.passed ? 'pass' : 'FAIL'} drop-in ${result.file}, alone, attempt ${attempt} (${again.ms} ms)\n`);
  }
  results[index] = { ...again, firstRun: { code: result.code, timedOut: result.timedOut, ms: result.ms, output: result.output } };
}

const excluded = selection.filter((entry) => entry.excluded !== undefined).map(({ file, excluded: reason }) => ({ file, reason }));
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ node: process.version, ms: Date.now() - started, excluded, results }, null, 1)}\n`);
for (const mode of modes) {
  const mine = results.filter((result) => result.mode === mode);
  process.stdout.write(`${mode}: ${mine.filter((result) => result.passed).length} of ${mine.length} passed\n`);
}
