// Where the time of a ping-pong round trip goes under Wine: the wineserver requests each variant
// of bench/tcp-ping-pong.ts makes per round trip, and on which thread. Each variant runs for
// TRACE_MS between two markers, the wineserver tracing every request; scripts/bench.mjs counts
// the requests between them (scripts/server-trace.mjs) and adds the counts to this report.
// Tracing slows every request: the rates measured here are not the benchmark's, only the counts.
import { afdLoopPath, afdLoopPingPong, C_LOOP } from './lib/afd-loop.js';
import { runBenchmark } from './lib/harness.js';
import { driverPingPong, rawPingPong, streamsPingPong, type Phase } from './lib/ping-pong.js';
import { serverTraceCaptured, traceMarker } from './lib/server-trace.js';
import { MIO_NET, NODE_NET } from './lib/side-by-side.js';

const TRACE_MS = 2_000;
const WARMUP_MS = 1_000;

interface TracedVariant {
  /** The marker label: letters, digits and dashes. */
  id: string;
  label: string;
  run: (durationMs: number) => Promise<Phase>;
  /** Marks its own measured part (the C loop, in a process of its own). */
  marksItself?: boolean;
}

const VARIANTS: TracedVariant[] = [
  ...(afdLoopPath() === undefined ? [] : [{ id: 'c-loop', label: C_LOOP, run: async (ms: number) => ({ ...(await afdLoopPingPong(ms, 200, 'c-loop')), latencies: [] }), marksItself: true }]),
  { id: 'raw-poll', label: 'mio-ts TcpStream + Poll', run: (ms) => rawPingPong(ms, 'poll') },
  { id: 'raw-poll-async', label: 'mio-ts TcpStream + pollAsync()', run: (ms) => rawPingPong(ms, 'pollAsync') },
  { id: 'driver', label: 'mio-ts TcpStream + Driver', run: (ms) => driverPingPong(ms) },
  { id: 'drop-in', label: 'mio-ts drop-in Socket', run: (ms) => streamsPingPong(MIO_NET, ms) },
  { id: 'node-net', label: 'node:net Socket', run: (ms) => streamsPingPong(NODE_NET, ms) },
];

await runBenchmark('server-round-trips', 'Wineserver requests per 64-byte ping-pong round trip, per variant and thread', async ({ log }) => {
  if (!serverTraceCaptured()) throw new Error('run through scripts/bench.mjs, which keeps the wineserver trace (MIO_BENCH_SERVER_TRACE)');
  for (const variant of VARIANTS) if (variant.marksItself !== true) await variant.run(WARMUP_MS);
  const windows: Record<string, { label: string; roundTrips: number }> = {};
  for (const variant of VARIANTS) {
    if (variant.marksItself !== true) traceMarker('begin', variant.id);
    const phase = await variant.run(TRACE_MS);
    if (variant.marksItself !== true) traceMarker('end', variant.id);
    windows[variant.id] = { label: variant.label, roundTrips: phase.roundTrips };
    log(`${variant.label}: ${phase.roundTrips} round trips traced`);
  }
  return {
    results: { windows },
    notes: [
      `each variant: a ${WARMUP_MS} ms warm-up (the JIT settles), then ${TRACE_MS} ms between trace markers; requests counted by scripts/server-trace.mjs`,
      "the marker's thread is the main thread (the C loop's only thread); other threads: those of the same process (the Poll's waiting thread, libuv's); other processes' requests (Wine's services) are counted apart",
      afdLoopPath() === undefined ? `${C_LOOP}: not traced (MIO_BENCH_AFD_LOOP unset)` : `${C_LOOP}: bench/c/afd-loop.c, which marks its own measured part`,
    ],
  };
});
