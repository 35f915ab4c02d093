// The C AFD loop (bench/c/afd-loop.c) as a variant of the TCP benchmarks: the same selector
// without JavaScript, the physical limit mio-ts is reported against. scripts/bench.mjs compiles
// it and names the .exe in MIO_BENCH_AFD_LOOP; the benchmark starts it between its own rounds,
// so it runs in the same runtime, the same wineserver and under the same pinning (a child
// inherits the CPU affinity of node.exe). Built as afd-loop.dll (MIO_BENCH_AFD_LOOP_DLL) the same
// loop runs inside this process, on its main thread, called once per measurement through koffi:
// what the calls cost from node.exe's process when no JavaScript runs between them.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKoffi } from '../../src/sys/windows/ffi/koffi-loader.js';

export const C_LOOP = 'C AFD loop';
export const C_LOOP_IN_NODE = 'C AFD loop in node.exe';

/** The path of afd-loop.exe, or undefined when this run has none (run without bench.mjs). */
export function afdLoopPath(): string | undefined {
  const path = process.env['MIO_BENCH_AFD_LOOP'];
  return path === undefined || path === '' ? undefined : path;
}

export interface AfdLoopPingPong {
  roundTrips: number;
  seconds: number;
  roundTripsPerSecond: number;
  latenciesUs: number[];
  polls: number;
  waits: number;
}

export interface AfdLoopBulk {
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  writes: number;
  writeWouldBlocks: number;
  reads: number;
  polls: number;
  waits: number;
}

/** The path of afd-loop.dll, or undefined when this run has none. */
export function afdLoopDllPath(): string | undefined {
  const path = process.env['MIO_BENCH_AFD_LOOP_DLL'];
  return path === undefined || path === '' ? undefined : path;
}

/** The report's note on the C loop run inside node.exe. */
export function cLoopInNodeNote(): string {
  return afdLoopDllPath() === undefined
    ? `${C_LOOP_IN_NODE}: not measured (MIO_BENCH_AFD_LOOP_DLL unset)`
    : `${C_LOOP_IN_NODE}: the same source built as afd-loop.dll and run by this process on its main thread, one koffi call per round (its warm-up included): the calls' cost from node.exe's process with no JavaScript between them`;
}

let runs = 0;

/** A fresh path for one run's JSON (a Windows process under Wine cannot write to a Linux pipe). */
function outputPath(): string {
  const out = join(tmpdir(), `mio-afd-loop-${process.pid}-${runs++}.json`);
  rmSync(out, { force: true });
  return out;
}

/** The JSON a run wrote to `out`, which is removed. */
function takeOutput(out: string): unknown {
  try {
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(out, { force: true });
  }
}

/** Runs the loop once as a process of its own. */
function runLoop(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const exe = afdLoopPath();
  if (exe === undefined) return Promise.reject(new Error('MIO_BENCH_AFD_LOOP names no afd-loop.exe'));
  const [mode = '', ...rest] = args;
  const out = outputPath();
  return new Promise((resolve, reject) => {
    execFile(exe, [mode, out, ...rest], { timeout: timeoutMs, windowsHide: true, env }, (error, _stdout, stderr) => {
      try {
        if (error !== null) {
          rmSync(out, { force: true });
          reject(new Error(`afd-loop ${args.join(' ')} failed: ${error.message.trim()} ${String(stderr).trim()}`));
          return;
        }
        resolve(takeOutput(out));
      } catch (failure) {
        reject(failure instanceof Error ? failure : new Error(String(failure)));
      }
    });
  });
}

interface AfdLoopLibrary {
  run: (mode: string, out: string, amount: string, warmup: string) => number;
  error: () => string;
}
let library: AfdLoopLibrary | undefined;

/**
 * Runs the loop once inside this process: the call holds the main thread (and the event loop)
 * for the whole measurement, as the loop holds its own process's only thread.
 */
function runLoopInNode(args: [string, string, string]): unknown {
  const dll = afdLoopDllPath();
  if (dll === undefined) throw new Error('MIO_BENCH_AFD_LOOP_DLL names no afd-loop.dll');
  if (library === undefined) {
    const loaded = loadKoffi('the C AFD loop in node.exe').load(dll);
    library = {
      run: loaded.func('int afd_loop_run(const char *mode, const char *outPath, const char *amount, const char *warmup)') as AfdLoopLibrary['run'],
      error: loaded.func('const char *afd_loop_error()') as AfdLoopLibrary['error'],
    };
  }
  const [mode, ...rest] = args;
  const out = outputPath();
  if (library.run(mode, out, ...rest) !== 0) {
    rmSync(out, { force: true });
    throw new Error(`afd-loop.dll ${args.join(' ')} failed: ${library.error()}`);
  }
  return takeOutput(out);
}

/**
 * `measureMs` of 64-byte ping-pong on a fresh connection, after `warmupMs` on another one.
 * `traceLabel`: the loop marks its measured part for a wineserver trace (bench/lib/server-trace.ts).
 */
export async function afdLoopPingPong(measureMs: number, warmupMs: number, traceLabel?: string): Promise<AfdLoopPingPong> {
  const env = traceLabel === undefined ? process.env : { ...process.env, MIO_TRACE_MARKER: traceLabel };
  return (await runLoop(['ping-pong', String(measureMs), String(warmupMs)], measureMs + warmupMs + 60_000, env)) as AfdLoopPingPong;
}

/** `totalMiB` one way in 64 KiB writes on a fresh connection, after `warmupMiB` on another one. */
export async function afdLoopBulk(totalMiB: number, warmupMiB: number): Promise<AfdLoopBulk> {
  return (await runLoop(['bulk', String(totalMiB), String(warmupMiB)], 120_000)) as AfdLoopBulk;
}

/** afdLoopPingPong(), the loop run inside this process (runLoopInNode). */
export function afdLoopPingPongInNode(measureMs: number, warmupMs: number): AfdLoopPingPong {
  return runLoopInNode(['ping-pong', String(measureMs), String(warmupMs)]) as AfdLoopPingPong;
}

/** afdLoopBulk(), the loop run inside this process (runLoopInNode). */
export function afdLoopBulkInNode(totalMiB: number, warmupMiB: number): AfdLoopBulk {
  return runLoopInNode(['bulk', String(totalMiB), String(warmupMiB)]) as AfdLoopBulk;
}
