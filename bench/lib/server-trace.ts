// Counting wineserver requests (README, Benchmarks: where the time goes). With WINEDEBUG=+server
// the wineserver writes a line per request to its stderr; scripts/bench.mjs starts the run (and
// with it a fresh wineserver) that way with that stderr in a file, and cuts the file at the
// markers below (scripts/server-trace.mjs).
import { closeSync, openSync } from 'node:fs';

/**
 * Opens the absent pipe \\.\pipe\mio-trace-<what>-<label>: one request whose trace line names
 * it, made on the calling thread, which the counts call the marker's thread.
 */
export function traceMarker(what: 'begin' | 'end', label: string): void {
  try {
    closeSync(openSync(`\\\\.\\pipe\\mio-trace-${what}-${label}`, 'r'));
  } catch {
    // Absent, as meant: the attempt is the marker.
  }
}

/** True when scripts/bench.mjs keeps the wineserver's stderr for counting. */
export function serverTraceCaptured(): boolean {
  return process.env['MIO_BENCH_SERVER_TRACE'] === '1';
}
