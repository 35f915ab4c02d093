// Relay throughput (issue 13, item 4): 8 parallel bulk streams (iperf3 -P 8 style) through
//   (a) mio-ts's relay: the Relay class of `mio-ts relay tcp-listen:127.0.0.1:0 tcp:...`;
//   (b) the same relay written on node:net (bench/lib/relay.ts), the baseline.
// The peers (8 clients and the sink, plain node:net) run in a Windows Node.js process of their
// own (bench/lib/relay-peers.ts, started anew for every measurement), so this process runs the
// relay alone, as in test/cli/fairness.win.test.ts. The clients write for MIO_BENCH_RELAY_MS;
// the figure is all bytes the sink read over the time from the common start to the last end.
// Fairness per measurement: the slowest link's bytes / the mean link's. Each variant warms up
// once, then runs ROUNDS rounds in a rotated order; the figures are medians.
import { parseEndpoint } from '../src/cli/endpoint.js';
import { Relay } from '../src/cli/relay.js';
import { round, runBenchmark, type BenchmarkContext } from './lib/harness.js';
import { NodeNetRelay, runPeers, type PeersResult } from './lib/relay.js';
import { comparison, MIB, median, rotated } from './lib/side-by-side.js';

const LINKS = 8;
const SEND_MS = positiveInteger(process.env['MIO_BENCH_RELAY_MS'], 4_000);
const WARMUP_MS = Math.min(1_000, SEND_MS);
const ROUNDS = positiveInteger(process.env['MIO_BENCH_RELAY_ROUNDS'], 5);

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

interface Variant {
  label: string;
  /** Starts a relay towards the sink; resolves with its port and a way to stop it. */
  start(sinkPort: number): Promise<{ port: number; stop: () => Promise<void> }>;
}

const MIO = 'mio-ts relay (Relay, tcp-listen -> tcp)';
const NODE = 'node:net relay (same shape)';

const VARIANTS: Variant[] = [
  {
    label: MIO,
    async start(sinkPort) {
      const relay = new Relay(parseEndpoint('tcp-listen:127.0.0.1:0'), parseEndpoint(`tcp:127.0.0.1:${sinkPort}`));
      const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
      await relay.start();
      const port = Number((await listening).split(':').pop());
      // The peers have closed every link by the time stop() is called: nothing to drain.
      return { port, stop: () => relay.stop(1_000, 50) };
    },
  },
  {
    label: NODE,
    async start(sinkPort) {
      const { relay, port } = await NodeNetRelay.start(sinkPort);
      return { port, stop: () => relay.stop() };
    },
  },
];

interface Measurement {
  mibPerSecond: number;
  /** The slowest link's bytes / the mean link's. */
  fairness: number;
  seconds: number;
  perLinkMiB: number[];
}

/** One run of the peers through a fresh relay of `variant`. */
async function measureOnce(variant: Variant, ms: number): Promise<Measurement> {
  let stop: (() => Promise<void>) | undefined;
  let result: PeersResult;
  try {
    result = await runPeers(LINKS, ms, async (sinkPort) => {
      const started = await variant.start(sinkPort);
      stop = started.stop;
      return started.port;
    });
  } finally {
    await stop?.();
  }
  const { sent, received, seconds } = result;
  const total = received.reduce((a, b) => a + b, 0);
  const written = sent.reduce((a, b) => a + b, 0);
  // A relay that loses or invents bytes has not relayed: no figure for it.
  if (received.length !== LINKS || total !== written) throw new Error(`the sink read ${total} bytes on ${received.length} links, the clients wrote ${written} on ${LINKS}`);
  return {
    mibPerSecond: total / MIB / seconds,
    fairness: Math.min(...received) / (total / LINKS),
    seconds,
    perLinkMiB: received.map((bytes) => round(bytes / MIB, 1)),
  };
}

async function measure({ log }: BenchmarkContext): Promise<{ samples: Map<string, Measurement[]>; errors: string[] }> {
  const samples = new Map<string, Measurement[]>(VARIANTS.map((v) => [v.label, []]));
  const errors: string[] = [];
  for (const variant of VARIANTS) {
    try {
      await measureOnce(variant, WARMUP_MS);
    } catch (error) {
      errors.push(`${variant.label} warm-up: ${(error as Error).message}`);
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of rotated(VARIANTS, r)) {
      try {
        const m = await measureOnce(variant, SEND_MS);
        samples.get(variant.label)?.push(m);
        log(`round ${r + 1}: ${variant.label}: ${round(m.mibPerSecond, 1)} MiB/s, slowest/mean ${round(m.fairness, 2)} (${round(m.seconds, 2)} s)`);
      } catch (error) {
        errors.push(`${variant.label} round ${r + 1}: ${(error as Error).message}`);
        log(`round ${r + 1}: ${variant.label} failed: ${(error as Error).message}`);
      }
    }
  }
  return { samples, errors };
}

await runBenchmark('relay-throughput', `Relay throughput: ${LINKS} parallel TCP streams for ${SEND_MS} ms through the mio-ts relay and through the same relay on node:net, peers in a process of their own`, async (context) => {
  const { samples, errors } = await measure(context);
  const medianOf = (pick: (m: Measurement) => number): Record<string, number | null> =>
    Object.fromEntries([...samples].map(([label, ms]) => [label, ms.length > 0 ? median(ms.map(pick)) : null]));
  const fairness = medianOf((m) => m.fairness);
  return {
    results: {
      comparisons: [comparison('throughput', `Relay throughput, TCP -> TCP, ${LINKS} parallel streams (median of ${ROUNDS})`, 'MiB/s', true, NODE, medianOf((m) => m.mibPerSecond))],
      // Slowest link / mean link: 1 is a perfectly even share.
      fairness: Object.fromEntries(
        [...samples].map(([label, ms]) => [label, { median: fairness[label] === null ? null : round(fairness[label] as number, 3), worst: ms.length > 0 ? round(Math.min(...ms.map((m) => m.fairness)), 3) : null }]),
      ),
      samplesMiBPerSecond: Object.fromEntries([...samples].map(([label, ms]) => [label, ms.map((m) => round(m.mibPerSecond, 1))])),
      samplesFairness: Object.fromEntries([...samples].map(([label, ms]) => [label, ms.map((m) => round(m.fairness, 3))])),
      lastPerLinkMiB: Object.fromEntries([...samples].map(([label, ms]) => [label, ms.at(-1)?.perLinkMiB ?? null])),
      links: LINKS,
      sendMs: SEND_MS,
      rounds: ROUNDS,
      errors,
    },
    notes: [
      `the peers (${LINKS} node:net clients and a node:net sink) run in a Windows Node.js process of their own (bench/lib/relay-peers.ts), started anew for every measurement; this process runs only the relay`,
      `the clients start together once all ${LINKS} are connected, write 128 KiB chunks as fast as backpressure allows for ${SEND_MS} ms, then end; throughput = bytes the sink read / time from the common start to the last end the sink saw`,
      'mio-ts: the Relay class of `mio-ts relay` (src/cli/relay.ts), tcp-listen -> tcp; node:net: bench/lib/relay.ts, net.createServer({ allowHalfOpen: true }) piping each socket both ways to a net.connect to the sink, the same half-close handling',
      `each variant: a ${WARMUP_MS} ms warm-up, then ${ROUNDS} rounds in a rotated order; figures are medians; fairness = the slowest link's bytes / the mean link's (results.fairness: median and worst round)`,
      'ratio = mio-ts relay / node:net relay',
    ],
  };
});
