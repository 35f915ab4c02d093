// Cost of one event with 10 versus 10,000 registered idle sockets (issue 3; goal: ratio at most
// 1.2). The idle sockets are listeners on 127.0.0.1 registered READABLE, each with an AFD poll
// pending that never completes; one connected pair carries the measured events. The idle set
// grows 10, 100, 1,000, 10,000 and shrinks back to 10, so drift shows up instead of hiding in
// the ratio. A control measures the same socket calls on a pair no Poll knows about: under
// Wine it tells the wineserver's share of any slowdown from the selector's.
import { Events, Interest, IoSource, Poll, WOULD_BLOCK, Waker, type Token } from '../src/index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NativeMemory, ws2_32 } from '../src/sys/windows/ffi/index.js';
import { Budget, nowUs, round, roundSummary, runBenchmark, summarize, type BenchmarkContext, type Summary } from './lib/harness.js';
import { closeAll, connectedPairs, tcpListener } from './lib/raw-sockets.js';

const SMALL = 10;
const LARGE = positiveInteger(process.env['MIO_BENCH_IDLE_SOCKETS'], 10_000);
/** The idle-set sizes measured, in order: up to LARGE, then back to SMALL. */
const SIZES = [...[SMALL, 100, 1_000].filter((size) => size < LARGE), LARGE, SMALL];
const ITERATIONS = 1_000;
const WARMUP = 50;
/** Per measurement (one kind of round trip in one phase). */
const MEASURE_BUDGET_MS = 5_000;
const EVENT_TIMEOUT_MS = 5_000;

const DATA_TOKEN = 0 as Token;
const WAKER_TOKEN = 1 as Token;
const FIRST_IDLE_TOKEN = 2;

// A full collection before each memory reading, so that garbage of the set-up is not counted.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** What this process holds for sockets: the JS heap, Buffers and the native blocks of the selector. */
function retainedBytes(): number {
  collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external + NativeMemory.liveBytes;
}

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

const KINDS = ['dataPoll', 'dataPollAsync', 'wakerPoll', 'socketCallsOnly'] as const;
type Kind = (typeof KINDS)[number];

/** Everything one phase measures, in microseconds per round trip. */
type PhaseResult = { idleSockets: number } & Record<Kind, Summary>;

class Bench {
  readonly poll = new Poll();
  readonly events = new Events(64);
  readonly idle: { socket: bigint; source: IoSource }[] = [];
  readonly waker: Waker;
  readonly client: bigint;
  readonly server: IoSource;
  /** A pair no Poll knows about, for the control. */
  readonly control: { client: bigint; server: bigint };
  readonly #byte = Buffer.from([42]);
  readonly #scratch = Buffer.alloc(4096);

  constructor() {
    const [pair, control] = connectedPairs(2);
    if (pair === undefined || control === undefined) throw new Error('no connected pairs');
    this.client = pair.client;
    this.control = control;
    this.server = new IoSource(pair.server);
    this.poll.registry().register(this.server, DATA_TOKEN, Interest.READABLE);
    this.waker = new Waker(this.poll.registry(), WAKER_TOKEN);
  }

  /** Grows the idle set to `count`; returns microseconds per socket for each setup step. */
  addIdle(count: number): { createUs: number; registerUs: number; armUs: number; registeredBytes: number } {
    const added = count - this.idle.length;
    if (added <= 0) return { createUs: 0, registerUs: 0, armUs: 0, registeredBytes: 0 };
    const t0 = nowUs();
    const sockets: bigint[] = [];
    for (let i = 0; i < added; i++) sockets.push(tcpListener(1).socket);
    // What registering adds, apart from the socket itself (the OS's, and Wine's, not ours).
    const before = retainedBytes();
    const t1 = nowUs();
    for (const socket of sockets) {
      const source = new IoSource(socket);
      this.poll.registry().register(source, FIRST_IDLE_TOKEN + this.idle.length, Interest.READABLE);
      this.idle.push({ socket, source });
    }
    const t2 = nowUs();
    // The next poll issues one AFD poll per new registration; nothing may fire.
    this.poll.poll(this.events, 0);
    const fired = this.events.get(0);
    if (fired !== undefined) throw new Error(`an idle socket fired: ${fired.toString()}`);
    const t3 = nowUs();
    const registeredBytes = (retainedBytes() - before) / added;
    return { createUs: (t1 - t0) / added, registerUs: (t2 - t1) / added, armUs: (t3 - t2) / added, registeredBytes };
  }

  /** Shrinks the idle set to `count` (deregister, which cancels the pending polls, then close). */
  removeIdle(count: number): { deregisterUs: number } {
    const removed = this.idle.splice(count);
    if (removed.length === 0) return { deregisterUs: 0 };
    const t0 = nowUs();
    for (const { source } of removed) this.poll.registry().deregister(source);
    // Lets the cancellations complete and their memory go (they bring no events).
    const drain = new Events(1024);
    for (let i = 0; i < 10; i++) this.poll.poll(drain, 50);
    const t1 = nowUs();
    closeAll(removed.map(({ socket }) => socket));
    return { deregisterUs: (t1 - t0) / removed.length };
  }

  #send(socket = this.client): void {
    const sent = ws2_32.send(socket, this.#byte, 1, 0);
    if (sent !== 1) throw new Error(`send returned ${String(sent)}`);
  }

  /** Reads until WouldBlock; the WouldBlock re-arms READABLE through doIo. */
  #drain(): void {
    for (;;) {
      const result = this.server.doIo((socket) => {
        const n = ws2_32.recv(socket, this.#scratch, this.#scratch.length, 0);
        if (n === 0) throw new Error('recv returned 0: the peer closed');
        return n;
      });
      if (result === WOULD_BLOCK) return;
    }
  }

  #hasToken(token: Token): boolean {
    for (const event of this.events) if (event.token === token) return true;
    return false;
  }

  dataPoll(): void {
    this.#send();
    do this.poll.poll(this.events, EVENT_TIMEOUT_MS);
    while (!this.#hasToken(DATA_TOKEN) && this.#notTimedOut());
    this.#drain();
  }

  async dataPollAsync(): Promise<void> {
    this.#send();
    do await this.poll.pollAsync(this.events, { timeout: EVENT_TIMEOUT_MS });
    while (!this.#hasToken(DATA_TOKEN) && this.#notTimedOut());
    this.#drain();
  }

  /** The control: what dataPoll does with the socket, without any Poll (send, recv, recv → WouldBlock). */
  socketCallsOnly(): void {
    this.#send(this.control.client);
    let received = 0;
    const deadline = performance.now() + EVENT_TIMEOUT_MS;
    for (;;) {
      const n = ws2_32.recv(this.control.server, this.#scratch, this.#scratch.length, 0);
      if (n === 0) throw new Error('recv returned 0: the peer closed');
      if (n !== WOULD_BLOCK) received += n;
      else if (received > 0) return;
      if (performance.now() > deadline) throw new Error(`no data within ${EVENT_TIMEOUT_MS} ms`);
    }
  }

  wakerPoll(): void {
    this.waker.wake();
    do this.poll.poll(this.events, EVENT_TIMEOUT_MS);
    while (!this.#hasToken(WAKER_TOKEN) && this.#notTimedOut());
  }

  #notTimedOut(): boolean {
    if (this.events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms`);
    return true;
  }

  close(): void {
    this.poll.close();
    closeAll([this.client, this.server.socket, this.control.client, this.control.server, ...this.idle.map(({ socket }) => socket)]);
  }
}

async function measure(roundTrip: () => void | Promise<void>): Promise<Summary> {
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const samples: number[] = [];
  const budget = new Budget(MEASURE_BUDGET_MS);
  while (samples.length < ITERATIONS && !budget.expired) {
    const t0 = nowUs();
    await roundTrip();
    samples.push(nowUs() - t0);
  }
  return summarize(samples);
}

async function phase(bench: Bench, { log }: BenchmarkContext): Promise<PhaseResult> {
  const result: Partial<PhaseResult> = { idleSockets: bench.idle.length };
  for (const kind of KINDS) result[kind] = roundSummary(await measure(() => bench[kind]()), 1);
  const phaseResult = result as PhaseResult;
  log(`${bench.idle.length} idle: ${KINDS.map((kind) => `${kind} ${phaseResult[kind].median} us`).join(', ')} (medians)`);
  return phaseResult;
}

await runBenchmark('selector-idle-sockets', `one event round trip with ${SMALL} versus ${LARGE} idle registered sockets (microseconds)`, async (context) => {
  const bench = new Bench();
  try {
    const phases: PhaseResult[] = [];
    let setup: Record<string, unknown> = {};
    let deregisterPerSocketUs = 0;
    let setupSeconds = 0;
    for (const size of SIZES) {
      if (size >= bench.idle.length) {
        const started = nowUs();
        const perSocket = bench.addIdle(size);
        setupSeconds += (nowUs() - started) / 1e6;
        if (size === LARGE) {
          // Per socket as measured on the last (largest) step.
          setup = {
            idleSockets: LARGE,
            seconds: round(setupSeconds, 2),
            perSocketUs: { create: round(perSocket.createUs, 1), register: round(perSocket.registerUs, 1), firstAfdPoll: round(perSocket.armUs, 1) },
            // JS heap + external + the selector's native blocks, per socket registered on this step.
            registeredBytesPerSocket: round(perSocket.registeredBytes, 0),
          };
          context.log(`${LARGE} idle listeners set up in ${round(setupSeconds, 1)} s; per socket: ${JSON.stringify(setup['perSocketUs'])} us`);
        }
      } else {
        deregisterPerSocketUs = round(bench.removeIdle(size).deregisterUs, 1);
      }
      phases.push(await phase(bench, context));
    }
    const smallPhases = phases.filter((p) => p.idleSockets === SMALL);
    const baseline = (kind: Kind): number => smallPhases.reduce((sum, p) => sum + p[kind].median, 0) / smallPhases.length;
    const ratiosAt = (p: PhaseResult): Record<Kind, number> =>
      Object.fromEntries(KINDS.map((kind) => [kind, round(p[kind].median / baseline(kind))])) as Record<Kind, number>;
    const large = phases.find((p) => p.idleSockets === LARGE) as PhaseResult;
    const ratios = ratiosAt(large);
    context.log(`ratios ${LARGE}/${SMALL} (median over the mean of the ${SMALL}-socket phases): ${JSON.stringify(ratios)}; goal <= 1.2`);
    return {
      results: {
        unit: 'microseconds per round trip',
        idleSocketKind: 'TCP listener on 127.0.0.1, registered READABLE (one AFD poll pending each)',
        phases,
        ratios,
        ratiosByIdleSockets: Object.fromEntries(phases.slice(0, -1).map((p) => [p.idleSockets, ratiosAt(p)])),
        goal: 'ratio <= 1.2',
        setup: { ...setup, deregisterPerSocketUs },
      },
      notes: [
        `ratio = median at ${LARGE} idle sockets / mean of the medians of the ${SMALL}-socket phases (first and last)`,
        'dataPoll: send 1 byte on the client end, poll() until the server end is READABLE, recv until WouldBlock (which re-arms)',
        'dataPollAsync: the same, awaiting pollAsync() on the main thread',
        'wakerPoll: Waker.wake(), poll() returns its event',
        'socketCallsOnly: the control; send, recv, recv -> WouldBlock on a pair no Poll knows about',
      ],
    };
  } finally {
    bench.close();
  }
});
