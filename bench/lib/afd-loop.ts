// The C AFD loop (bench/c/afd-loop.c) as a variant of the TCP benchmarks: the same selector
// without JavaScript, the physical limit mio-ts is reported against. scripts/bench.mjs compiles
// it and names the .exe in MIO_BENCH_AFD_LOOP; the benchmark starts it between its own rounds,
// so it runs in the same runtime, the same wineserver and under the same pinning (a child
// inherits the CPU affinity of node.exe).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const C_LOOP = 'C AFD loop';

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

let runs = 0;

/**
 * Runs the loop once; it writes its JSON to a file (a Windows process under Wine cannot write to
 * a Linux pipe), which is read and removed here.
 */
function runLoop(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const exe = afdLoopPath();
  if (exe === undefined) return Promise.reject(new Error('MIO_BENCH_AFD_LOOP names no afd-loop.exe'));
  const [mode = '', ...rest] = args;
  const out = join(tmpdir(), `mio-afd-loop-${process.pid}-${runs++}.json`);
  rmSync(out, { force: true });
  return new Promise((resolve, reject) => {
    execFile(exe, [mode, out, ...rest], { timeout: timeoutMs, windowsHide: true, env }, (error, _stdout, stderr) => {
      try {
        if (error !== null) {
          reject(new Error(`afd-loop ${args.join(' ')} failed: ${error.message.trim()} ${String(stderr).trim()}`));
          return;
        }
        resolve(JSON.parse(readFileSync(out, 'utf8')));
      } catch (failure) {
        reject(failure instanceof Error ? failure : new Error(String(failure)));
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
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
