// Connections accepted per second, the mio-ts drop-in Server against node:net's Server side by
// side (issue 5). Clients and server share this process; 16 client loops each connect to
// 127.0.0.1, the server destroys every accepted socket at once, and the client starts its next
// connection when its socket has closed, so at most 16 connections are in flight.
// The clients are node:net sockets for both servers (only the server differs), and in a third
// run mio-ts drop-in sockets against the drop-in server (each implementation on its own).
import { round, runBenchmark, type BenchmarkContext } from './lib/harness.js';
import { comparison, MIO_NET, NODE_NET, rotated, withTimeout, type NetImplementation } from './lib/side-by-side.js';

const CONCURRENCY = 16;
/** Once per variant before the rounds (the JIT and the heap settle), then WARMUP_MS per round. */
const INITIAL_WARMUP_MS = 1_500;
const WARMUP_MS = 500;
const MEASURE_MS = 3_000;
const ROUNDS = 2;
/** A connection that neither closes nor fails in this time counts as stuck and is abandoned. */
const CONNECTION_TIMEOUT_MS = 10_000;

interface Run {
  accepted: number;
  completed: number;
  errors: number;
  stuck: number;
  seconds: number;
}

/** Connection cycles for `durationMs` with `CONCURRENCY` loops; accepted connections counted. */
async function acceptRun(server: NetImplementation, clients: NetImplementation, durationMs: number): Promise<Run> {
  let accepted = 0;
  const listening = await server.listen((socket) => {
    accepted++;
    socket.on('error', () => {
      // A reset from a client that is already gone is not the server's failure.
    });
    socket.destroy();
  });
  const run: Run = { accepted: 0, completed: 0, errors: 0, stuck: 0, seconds: 0 };
  const started = performance.now();
  const end = started + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      await new Promise<void>((resolve) => {
        const socket = clients.startConnect(listening.port);
        const timer = setTimeout(() => {
          run.stuck++;
          socket.destroy();
          resolve();
        }, CONNECTION_TIMEOUT_MS);
        socket.on('error', () => {
          run.errors++;
        });
        // Reading lets the client see the server's close (end), which closes it in turn.
        socket.resume();
        socket.once('close', () => {
          clearTimeout(timer);
          run.completed++;
          resolve();
        });
      });
    }
  };
  try {
    await withTimeout(Promise.all(Array.from({ length: CONCURRENCY }, loop)), durationMs + CONNECTION_TIMEOUT_MS + 5_000, 'the accept loops');
    run.seconds = (performance.now() - started) / 1000;
    run.accepted = accepted;
    return run;
  } finally {
    await listening.close();
  }
}

const DROP_IN = 'mio-ts drop-in Server';
const NODE = 'node:net Server';
const DROP_IN_OWN_CLIENTS = 'mio-ts drop-in Server, mio-ts clients';

interface Variant {
  label: string;
  server: NetImplementation;
  clients: NetImplementation;
}

const VARIANTS: Variant[] = [
  { label: DROP_IN, server: MIO_NET, clients: NODE_NET },
  { label: NODE, server: NODE_NET, clients: NODE_NET },
  { label: DROP_IN_OWN_CLIENTS, server: MIO_NET, clients: MIO_NET },
];

interface Totals {
  accepted: number;
  seconds: number;
  completed: number;
  errors: number;
  stuck: number;
  perRound: number[];
}

async function measure({ log }: BenchmarkContext): Promise<{ totals: Map<string, Totals>; failures: string[] }> {
  const totals = new Map<string, Totals>(VARIANTS.map((v) => [v.label, { accepted: 0, seconds: 0, completed: 0, errors: 0, stuck: 0, perRound: [] }]));
  const failures: string[] = [];
  for (const variant of VARIANTS) {
    try {
      await acceptRun(variant.server, variant.clients, INITIAL_WARMUP_MS);
    } catch (error) {
      failures.push(`${variant.label} warm-up: ${(error as Error).message}`);
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of rotated(VARIANTS, r)) {
      try {
        await acceptRun(variant.server, variant.clients, WARMUP_MS);
        const run = await acceptRun(variant.server, variant.clients, MEASURE_MS);
        const total = totals.get(variant.label) as Totals;
        total.accepted += run.accepted;
        total.seconds += run.seconds;
        total.completed += run.completed;
        total.errors += run.errors;
        total.stuck += run.stuck;
        total.perRound.push(round(run.accepted / run.seconds, 0));
        log(`round ${r + 1}: ${variant.label}: ${round(run.accepted / run.seconds, 0)} accepted/s (${run.accepted} in ${round(run.seconds, 2)} s, ${run.errors} errors, ${run.stuck} stuck)`);
      } catch (error) {
        failures.push(`${variant.label} round ${r + 1}: ${(error as Error).message}`);
        log(`round ${r + 1}: ${variant.label} failed: ${(error as Error).message}`);
      }
    }
  }
  return { totals, failures };
}

await runBenchmark('accept-rate', `Connections accepted per second on 127.0.0.1 (${CONCURRENCY} in flight), mio-ts drop-in Server against node:net Server`, async (context) => {
  const { totals, failures } = await measure(context);
  const rate = (label: string): number | null => {
    const total = totals.get(label);
    return total === undefined || total.accepted === 0 ? null : total.accepted / total.seconds;
  };
  const details = Object.fromEntries(
    [...totals].map(([label, t]) => [label, { accepted: t.accepted, seconds: round(t.seconds, 2), completed: t.completed, clientErrors: t.errors, stuck: t.stuck, acceptedPerSecondByRound: t.perRound }]),
  );
  return {
    results: {
      comparisons: [
        comparison('acceptedPerSecond', `Connections accepted per second, node:net clients for both servers (${CONCURRENCY} in flight)`, 'connections/s', true, NODE, { [DROP_IN]: rate(DROP_IN), [NODE]: rate(NODE) }, 0),
        comparison(
          'acceptedPerSecondOwnClients',
          `Connections accepted per second, each server with clients of its own implementation (${CONCURRENCY} in flight)`,
          'connections/s',
          true,
          NODE,
          { [DROP_IN_OWN_CLIENTS]: rate(DROP_IN_OWN_CLIENTS), [NODE]: rate(NODE) },
          0,
        ),
      ],
      variants: details,
      concurrency: CONCURRENCY,
      failures,
    },
    notes: [
      `clients and server in this process; ${CONCURRENCY} client loops: connect, read until the server's close, next connection; the server destroys every accepted socket at once`,
      'first comparison: node:net clients against both servers (only the server differs); second: the drop-in server with drop-in clients against node:net with node:net clients',
      `each variant: a ${INITIAL_WARMUP_MS} ms warm-up, then ${ROUNDS} rounds in a rotated order, each a ${WARMUP_MS} ms warm-up, then ${MEASURE_MS} ms measured; accepted per second over both rounds`,
      'ratio = mio-ts / node:net',
    ],
  };
});
