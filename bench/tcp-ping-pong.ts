// 64-byte TCP ping-pong, mio-ts against node:net side by side (issues 4 and 5): one connection
// on 127.0.0.1, both ends in this process, one 64-byte message in flight; the client sends, the
// server echoes, the client times the round trip and sends the next. Nagle is off on all ends.
//   (a) mio-ts TcpStream + Poll: a blocking poll() loop serving both ends;
//   (b) the mio-ts drop-in (mio-ts/net Socket and Server);
//   (c) node:net, with the same stream code as (b);
//   (d) the C AFD loop (bench/c/afd-loop.c): the selector of (a) in C, in a process of its own
//       started between the rounds, when scripts/bench.mjs built it; the physical limit.
// Each variant runs in four short rounds (rotated order), so a drift of the machine's speed
// during the run falls on every variant alike; round trips per second over all rounds, and
// latency percentiles over all round trips.
// Two diagnostic variants locate the cost between (a) and (b), outside the comparison: the loop
// of (a) awaiting pollAsync() instead of blocking in poll(), and raw TcpStream handlers on the
// streams' Driver (its background wait) without any Duplex on top.
import { round, roundSummary, runBenchmark, summarize, type BenchmarkContext } from './lib/harness.js';
import { afdLoopDllPath, afdLoopPath, cLoopInNodeNote, afdLoopPingPong, afdLoopPingPongInNode, C_LOOP, C_LOOP_IN_NODE } from './lib/afd-loop.js';
import { driverPingPong, MESSAGE_BYTES, rawPingPong, streamsPingPong, type Phase } from './lib/ping-pong.js';
import { comparison, MIO_NET, NODE_NET, rotated } from './lib/side-by-side.js';

/** Once per variant before the rounds (the JIT and the heap settle), then WARMUP_MS per round. */
const INITIAL_WARMUP_MS = 2_000;
const WARMUP_MS = 500;
/** MIO_BENCH_PING_PONG_MS shortens (or lengthens) the measured part of each round. */
const MEASURE_MS = positiveInteger(process.env['MIO_BENCH_PING_PONG_MS'], 2_000);
const ROUNDS = 4;

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** (d): the C loop warms up on a connection of its own, then measures on a new one. */
async function cLoopPingPong(durationMs: number): Promise<Phase> {
  const result = await afdLoopPingPong(durationMs, WARMUP_MS);
  return { roundTrips: result.roundTrips, seconds: result.seconds, latencies: result.latenciesUs };
}

/** (e): the same C loop inside this process, on the main thread (bench/lib/afd-loop.ts). */
function cLoopInNodePingPong(durationMs: number): Promise<Phase> {
  const result = afdLoopPingPongInNode(durationMs, WARMUP_MS);
  return Promise.resolve({ roundTrips: result.roundTrips, seconds: result.seconds, latencies: result.latenciesUs });
}

const RAW = 'mio-ts TcpStream + Poll';
const DROP_IN = 'mio-ts drop-in Socket';
const NODE = 'node:net Socket';
const RAW_ASYNC = 'mio-ts TcpStream + pollAsync()';
const DRIVER = 'mio-ts TcpStream + Driver';

interface Variant {
  label: string;
  run: (durationMs: number) => Promise<Phase>;
  /** Measured to explain the others; reported under diagnostics, not compared. */
  diagnostic?: boolean;
  /** Warms up inside each run (its own process): no separate warm-up runs. */
  selfWarming?: boolean;
}

const VARIANTS: Variant[] = [
  { label: RAW, run: (ms) => rawPingPong(ms, 'poll') },
  { label: DROP_IN, run: (ms) => streamsPingPong(MIO_NET, ms) },
  { label: NODE, run: (ms) => streamsPingPong(NODE_NET, ms) },
  { label: RAW_ASYNC, run: (ms) => rawPingPong(ms, 'pollAsync'), diagnostic: true },
  { label: DRIVER, run: (ms) => driverPingPong(ms), diagnostic: true },
  ...(afdLoopPath() === undefined ? [] : [{ label: C_LOOP, run: cLoopPingPong, selfWarming: true }]),
  ...(afdLoopDllPath() === undefined ? [] : [{ label: C_LOOP_IN_NODE, run: cLoopInNodePingPong, selfWarming: true }]),
];

interface Totals {
  roundTrips: number;
  seconds: number;
  latencies: number[];
  perRound: number[];
}

async function measure({ log }: BenchmarkContext): Promise<{ totals: Map<string, Totals>; errors: string[] }> {
  const totals = new Map<string, Totals>(VARIANTS.map((v) => [v.label, { roundTrips: 0, seconds: 0, latencies: [], perRound: [] }]));
  const errors: string[] = [];
  for (const variant of VARIANTS) {
    if (variant.selfWarming === true) continue;
    try {
      await variant.run(INITIAL_WARMUP_MS);
    } catch (error) {
      errors.push(`${variant.label} warm-up: ${(error as Error).message}`);
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of rotated(VARIANTS, r)) {
      try {
        if (variant.selfWarming !== true) await variant.run(WARMUP_MS);
        const phase = await variant.run(MEASURE_MS);
        const total = totals.get(variant.label) as Totals;
        total.roundTrips += phase.roundTrips;
        total.seconds += phase.seconds;
        total.latencies.push(...phase.latencies);
        total.perRound.push(round(phase.roundTrips / phase.seconds, 0));
        const summary = summarize(phase.latencies);
        log(`round ${r + 1}: ${variant.label}: ${round(phase.roundTrips / phase.seconds, 0)} round trips/s, p50 ${round(summary.median, 0)} µs, p99 ${round(summary.p99, 0)} µs`);
      } catch (error) {
        errors.push(`${variant.label} round ${r + 1}: ${(error as Error).message}`);
        log(`round ${r + 1}: ${variant.label} failed: ${(error as Error).message}`);
      }
    }
  }
  return { totals, errors };
}

await runBenchmark('tcp-ping-pong', `TCP ping-pong of ${MESSAGE_BYTES}-byte messages on 127.0.0.1, mio-ts (raw and drop-in) against node:net`, async (context) => {
  const { totals, errors } = await measure(context);
  const rates: Record<string, number | null> = {};
  const p50: Record<string, number | null> = {};
  const p99: Record<string, number | null> = {};
  const details: Record<string, unknown> = {};
  const diagnostics: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    const total = totals.get(variant.label) as Totals;
    const summary = summarize(total.latencies);
    const ok = total.roundTrips > 0;
    const figures = {
      roundTripsPerSecond: ok ? round(total.roundTrips / total.seconds, 0) : null,
      roundTrips: total.roundTrips,
      seconds: round(total.seconds, 2),
      roundTripsPerSecondByRound: total.perRound,
      latencyUs: roundSummary(summary, 1),
    };
    if (variant.diagnostic === true) {
      diagnostics[variant.label] = figures;
      continue;
    }
    rates[variant.label] = ok ? total.roundTrips / total.seconds : null;
    p50[variant.label] = ok ? summary.median : null;
    p99[variant.label] = ok ? summary.p99 : null;
    details[variant.label] = figures;
  }
  return {
    results: {
      comparisons: [
        comparison('roundTripsPerSecond', `${MESSAGE_BYTES}-byte ping-pong, round trips per second`, 'round trips/s', true, NODE, rates, 0, C_LOOP),
        comparison('latencyP50', `${MESSAGE_BYTES}-byte ping-pong, round-trip latency p50`, 'µs', false, NODE, p50, 0, C_LOOP),
        comparison('latencyP99', `${MESSAGE_BYTES}-byte ping-pong, round-trip latency p99`, 'µs', false, NODE, p99, 0, C_LOOP),
      ],
      variants: details,
      diagnostics,
      messageBytes: MESSAGE_BYTES,
      errors,
    },
    notes: [
      'both ends of the connection are in this process; one message in flight; TCP_NODELAY on every end',
      `each variant: a ${INITIAL_WARMUP_MS} ms warm-up, then ${ROUNDS} rounds in a rotated order, each a ${WARMUP_MS} ms warm-up on its own connection, then ${MEASURE_MS} ms measured on a new one`,
      'raw: one blocking poll() loop serves both ends; drop-in and node:net: the accepted socket echoes on data, the client writes the next message when the echo is complete',
      `diagnostics (not compared): ${RAW_ASYNC} is the raw loop awaiting pollAsync() on the main thread; ${DRIVER} is the raw loop as handlers on Driver.shared() (a worker thread waits in the completion port and posts each batch to the main thread), without streams`,
      afdLoopPath() === undefined
        ? `${C_LOOP}: not measured (MIO_BENCH_AFD_LOOP unset: run through scripts/bench.mjs)`
        : `${C_LOOP}: bench/c/afd-loop.c, the raw loop's selector in C (one port, one AFD handle, one IOCTL_AFD_POLL per socket, re-issued after WouldBlock), a process of its own started by this benchmark in each round, with its own ${WARMUP_MS} ms warm-up connection`,
      cLoopInNodeNote(),
      `ratio = variant / node:net; limit ratio = variant / ${C_LOOP} (for latencies lower is better)`,
    ],
  };
});
