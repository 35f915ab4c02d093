// Event-loop delay (perf_hooks.monitorEventLoopDelay) while a main-thread pollAsync() waits
// (issue 3; goal: p99 at most 5 ms). Phases, each the same length:
// - baseline: nothing but the monitor, the floor of this runtime's timers;
// - idle wait: one pollAsync() with no timeout waits the whole phase for an event;
// - busy: a pollAsync() loop on the main thread serving 50 ping-ponging pairs, every ready
//   event handled in the turn that delivered it;
// - contrast: the blocking poll() on the main thread in 50 ms slices, what pollAsync avoids.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Events, Interest, IoSource, Poll, WOULD_BLOCK, Waker, type Token } from '../src/index.js';
import { ws2_32 } from '../src/sys/windows/ffi/index.js';
import { Budget, round, runBenchmark, tick, type BenchmarkContext } from './lib/harness.js';
import { closeAll, connectedPairs } from './lib/raw-sockets.js';

const PHASE_MS = 4_000;
const RESOLUTION_MS = 1;
const PAIRS = 50;
const MESSAGE_BYTES = 64;
const BLOCKING_SLICE_MS = 50;
const STOP_TOKEN = 1_000_000 as Token;

interface Delay {
  /** Milliseconds. */
  p50: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
}

async function monitored(body: () => Promise<void>): Promise<Delay> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  await body();
  histogram.disable();
  const ms = (ns: number): number => round(ns / 1e6, 2);
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean), samples: histogram.count };
}

/** 50 pairs echoing one message each, served by a pollAsync() loop on the main thread. */
class Traffic {
  readonly poll = new Poll();
  readonly #events = new Events(256);
  readonly #sources: IoSource[] = [];
  readonly #sockets: bigint[] = [];
  readonly #buffer = Buffer.alloc(64 * 1024);
  events = 0;

  constructor() {
    for (const { client, server } of connectedPairs(PAIRS)) {
      this.#sockets.push(client, server);
      for (const socket of [client, server]) {
        const source = new IoSource(socket);
        this.poll.registry().register(source, this.#sources.length, Interest.READABLE);
        this.#sources.push(source);
      }
      const sent = ws2_32.send(client, Buffer.alloc(MESSAGE_BYTES, 1), MESSAGE_BYTES, 0);
      if (sent !== MESSAGE_BYTES) throw new Error(`send returned ${String(sent)}`);
    }
  }

  async serve(budget: Budget): Promise<void> {
    while (!budget.expired) {
      await this.poll.pollAsync(this.#events, { timeout: Math.max(1, budget.remainingMs) });
      for (const event of this.#events) {
        this.events++;
        this.#echo(this.#sources[event.token] as IoSource);
      }
    }
  }

  #echo(source: IoSource): void {
    for (;;) {
      const n = source.doIo((socket) => {
        const received = ws2_32.recv(socket, this.#buffer, this.#buffer.length, 0);
        if (received === 0) throw new Error('recv returned 0: the peer closed');
        return received;
      });
      if (n === WOULD_BLOCK) return;
      const sent = ws2_32.send(source.socket, this.#buffer, n, 0);
      if (sent !== n) throw new Error(`send returned ${String(sent)} for ${n} bytes`);
    }
  }

  close(): void {
    this.poll.close();
    closeAll(this.#sockets);
  }
}

async function measure({ log }: BenchmarkContext): Promise<Record<string, unknown>> {
  const baseline = await monitored(() => tick(PHASE_MS));
  log(`baseline: p50 ${baseline.p50} ms, p99 ${baseline.p99} ms, max ${baseline.max} ms`);

  const poll = new Poll();
  const events = new Events(16);
  let idleWait: Delay;
  let contrast: Delay;
  let idleWaitEvents = 0;
  try {
    const waker = new Waker(poll.registry(), STOP_TOKEN);
    idleWait = await monitored(async () => {
      const waiting = poll.pollAsync(events);
      // Nothing happens for the whole phase; then a wake ends the wait.
      await tick(PHASE_MS);
      waker.wake();
      await waiting;
      idleWaitEvents = events.length;
    });
    log(`idle pollAsync() wait: p50 ${idleWait.p50} ms, p99 ${idleWait.p99} ms, max ${idleWait.max} ms`);

    contrast = await monitored(async () => {
      const budget = new Budget(PHASE_MS);
      while (!budget.expired) {
        poll.poll(events, BLOCKING_SLICE_MS);
        // Let timers run between slices, as a loop on a blocking poll would have to.
        await tick();
      }
    });
    log(`contrast, blocking poll() in ${BLOCKING_SLICE_MS} ms slices: p50 ${contrast.p50} ms, p99 ${contrast.p99} ms, max ${contrast.max} ms`);
  } finally {
    poll.close();
  }

  const traffic = new Traffic();
  let busy: Delay;
  let eventsPerSecond: number;
  try {
    busy = await monitored(() => traffic.serve(new Budget(PHASE_MS)));
    eventsPerSecond = Math.round(traffic.events / (PHASE_MS / 1000));
    log(`busy pollAsync() loop (${PAIRS} pairs, ${eventsPerSecond} events/s): p50 ${busy.p50} ms, p99 ${busy.p99} ms, max ${busy.max} ms`);
  } finally {
    traffic.close();
  }

  return {
    unit: 'milliseconds of event-loop delay',
    resolutionMs: RESOLUTION_MS,
    phaseMs: PHASE_MS,
    baseline,
    idlePollAsync: { ...idleWait, eventsWhenWoken: idleWaitEvents },
    busyPollAsync: { ...busy, pairs: PAIRS, eventsPerSecond },
    blockingPollContrast: { ...contrast, sliceMs: BLOCKING_SLICE_MS },
    goal: 'p99 <= 5 ms while a main-thread pollAsync waits',
  };
}

await runBenchmark('event-loop-delay', 'event-loop delay (monitorEventLoopDelay) while a main-thread pollAsync() waits (milliseconds)', async (context) => ({
  results: await measure(context),
  notes: [
    `monitorEventLoopDelay with a ${RESOLUTION_MS} ms resolution, each phase ${PHASE_MS} ms`,
    'baseline: an idle event loop; idlePollAsync: one pollAsync() waiting the whole phase',
    'busyPollAsync: a pollAsync() loop serving ping-pong traffic; a turn handles every ready event (about one per pair) with synchronous socket calls, and the next pollAsync() re-arms them synchronously: under Wine each such call is a wineserver round trip, so a turn blocks the loop for tens of milliseconds',
    `blockingPollContrast: poll() blocking the main thread in ${BLOCKING_SLICE_MS} ms slices, the delay pollAsync() exists to avoid`,
  ],
}));
