// The benchmark harness: timing, summary statistics, a time budget, and the JSON result that
// scripts/bench.mjs collects. A benchmark file calls runBenchmark() once; it reports figures,
// never asserts on them.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Order statistics of a sample, in the unit the samples were taken in. */
export interface Summary {
  n: number;
  median: number;
  mean: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, median: NaN, mean: NaN, p99: NaN, min: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    mean: sum / sorted.length,
    p99: percentile(sorted, 99),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** The nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Microseconds on a clock shared by every thread of the process (unlike performance.now()). */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Rounds for JSON and display: 3 significant decimals are all the noise allows. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function roundSummary(summary: Summary, digits = 3): Summary {
  return {
    n: summary.n,
    median: round(summary.median, digits),
    mean: round(summary.mean, digits),
    p99: round(summary.p99, digits),
    min: round(summary.min, digits),
    max: round(summary.max, digits),
  };
}

/** A time budget: loops stop at whichever comes first, their iteration count or the deadline. */
export class Budget {
  readonly #deadline: number;

  constructor(readonly ms: number) {
    this.#deadline = performance.now() + ms;
  }

  get expired(): boolean {
    return performance.now() >= this.#deadline;
  }

  get remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }
}

/** What a benchmark reports: its figures, free-form but JSON, plus notes for the reader. */
export interface BenchmarkReport {
  results: Record<string, unknown>;
  notes?: string[];
}

export interface BenchmarkContext {
  /** Progress lines on stderr (the runner forwards them). */
  readonly log: (message: string) => void;
}

/**
 * Runs one benchmark and writes `{ name, description, runtime, startedAt, durationMs, results,
 * notes }` as JSON to the path in MIO_BENCH_OUT (or after `--out`), else to stdout.
 */
export async function runBenchmark(name: string, description: string, body: (context: BenchmarkContext) => Promise<BenchmarkReport>): Promise<void> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const log = (message: string): void => {
    process.stderr.write(`[${name}] ${message}\n`);
  };
  log(description);
  const report = await body({ log });
  const output = {
    name,
    description,
    runtime: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      availableParallelism: availableParallelism(),
    },
    startedAt,
    durationMs: Math.round(performance.now() - started),
    results: report.results,
    notes: report.notes ?? [],
  };
  const json = `${JSON.stringify(output, null, 2)}\n`;
  const outPath = outputPath();
  // Without a destination the JSON goes to stdout, so a benchmark also runs on its own.
  if (outPath === undefined) process.stdout.write(json);
  else writeFileSync(outPath, json);
}

function outputPath(): string | undefined {
  const index = process.argv.indexOf('--out');
  if (index >= 0) return process.argv[index + 1];
  const fromEnv = process.env['MIO_BENCH_OUT'];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Lets pending I/O callbacks and timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
