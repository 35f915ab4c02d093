// Events per second with 1,000 active sockets (issue 3): 500 connected pairs on 127.0.0.1, all
// 1,000 ends registered READABLE, each pair ping-ponging one 64-byte message. Every READABLE
// event reads until WouldBlock (re-arming) and echoes what it read, so all sockets stay busy.
// Run once with the blocking poll() and once with pollAsync() on the main thread.
import { Events, Interest, IoSource, Poll, WOULD_BLOCK } from '../src/index.js';
import { ws2_32 } from '../src/sys/windows/ffi/index.js';
import { Budget, round, runBenchmark, summarize, type BenchmarkContext } from './lib/harness.js';
import { closeAll, connectedPairs } from './lib/raw-sockets.js';

const PAIRS = 500;
const MESSAGE_BYTES = 64;
const WARMUP_MS = 1_000;
const MEASURE_MS = 5_000;
const EVENT_TIMEOUT_MS = 5_000;

interface Figures {
  eventsPerSecond: number;
  messagesPerSecond: number;
  events: number;
  seconds: number;
  /** Events per poll call: how much each wait collected. */
  eventsPerPoll: { median: number; mean: number; max: number };
}

class PingPong {
  readonly poll = new Poll();
  readonly events = new Events(1024);
  /** By token: the registered end (an echo written to it goes to its peer). */
  readonly #ends: { source: IoSource }[] = [];
  readonly #buffer = Buffer.alloc(64 * 1024);
  readonly #sockets: bigint[] = [];
  bytes = 0;

  constructor(pairs: number) {
    for (const { client, server } of connectedPairs(pairs)) {
      this.#sockets.push(client, server);
      for (const socket of [client, server]) {
        const source = new IoSource(socket);
        this.poll.registry().register(source, this.#ends.length, Interest.READABLE);
        this.#ends.push({ source });
      }
    }
    // One message per pair, from the client end.
    const message = Buffer.alloc(MESSAGE_BYTES, 7);
    for (let i = 0; i < this.#ends.length; i += 2) this.#write((this.#ends[i] as { source: IoSource }).source.socket, message, MESSAGE_BYTES);
  }

  #write(socket: bigint, data: Buffer, length: number): void {
    // Loopback with one small message in flight per pair: the send buffer never fills.
    const sent = ws2_32.send(socket, data, length, 0);
    if (sent !== length) throw new Error(`send returned ${String(sent)} for ${length} bytes`);
  }

  /** Reads until WouldBlock (which re-arms) and echoes everything back. */
  handle(token: number): void {
    const end = this.#ends[token];
    if (end === undefined) throw new Error(`unknown token ${token}`);
    const buffer = this.#buffer;
    for (;;) {
      const n = end.source.doIo((socket) => {
        const received = ws2_32.recv(socket, buffer, buffer.length, 0);
        if (received === 0) throw new Error('recv returned 0: the peer closed');
        return received;
      });
      if (n === WOULD_BLOCK) return;
      this.bytes += n;
      this.#write(end.source.socket, buffer, n);
    }
  }

  close(): void {
    this.poll.close();
    closeAll(this.#sockets);
  }
}

async function run(pingPong: PingPong, wait: 'poll' | 'pollAsync', { log }: BenchmarkContext): Promise<Figures> {
  const { poll, events } = pingPong;
  const step = async (): Promise<number> => {
    if (wait === 'poll') poll.poll(events, EVENT_TIMEOUT_MS);
    else await poll.pollAsync(events, { timeout: EVENT_TIMEOUT_MS });
    if (events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms`);
    for (const event of events) pingPong.handle(event.token);
    return events.length;
  };
  const warmup = new Budget(WARMUP_MS);
  while (!warmup.expired) await step();
  const batches: number[] = [];
  pingPong.bytes = 0;
  const started = performance.now();
  const budget = new Budget(MEASURE_MS);
  while (!budget.expired) batches.push(await step());
  const seconds = (performance.now() - started) / 1000;
  const total = batches.reduce((sum, n) => sum + n, 0);
  const batchSummary = summarize(batches);
  const figures: Figures = {
    eventsPerSecond: Math.round(total / seconds),
    messagesPerSecond: Math.round(pingPong.bytes / MESSAGE_BYTES / seconds),
    events: total,
    seconds: round(seconds, 2),
    eventsPerPoll: { median: batchSummary.median, mean: round(batchSummary.mean, 1), max: batchSummary.max },
  };
  log(`${wait}(): ${figures.eventsPerSecond} events/s, ${figures.messagesPerSecond} messages/s, ${figures.eventsPerPoll.mean} events per poll on average`);
  return figures;
}

await runBenchmark('events-per-second', `READABLE events per second with ${PAIRS * 2} active sockets (${PAIRS} pairs ping-ponging ${MESSAGE_BYTES} bytes)`, async (context) => {
  const setupStarted = performance.now();
  const pingPong = new PingPong(PAIRS);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  context.log(`${PAIRS} pairs connected and registered in ${round(setupSeconds, 1)} s`);
  try {
    const blocking = await run(pingPong, 'poll', context);
    const async = await run(pingPong, 'pollAsync', context);
    return {
      results: {
        activeSockets: PAIRS * 2,
        messageBytes: MESSAGE_BYTES,
        poll: blocking,
        pollAsync: async,
        setupSeconds: round(setupSeconds, 2),
      },
      notes: [
        'an event = one READABLE event delivered by the Poll; each is handled by recv until WouldBlock and an echo send',
        `warm-up ${WARMUP_MS} ms, then ${MEASURE_MS} ms measured per mode; Events capacity 1024`,
      ],
    };
  } finally {
    pingPong.close();
  }
});
