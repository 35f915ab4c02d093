// Waker latency from a worker thread to the main thread (issue 3): the worker stamps the time
// and calls Waker.fromTarget(target).wake(); the main thread, already waiting, stamps the time
// its wait returned with the event. Both stamps come from process.hrtime, one clock for all
// threads. Measured with the main thread awaiting pollAsync() and blocked in poll().
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Events, Poll, Waker, type Token } from '../src/index.js';
import { Budget, round, roundSummary, runBenchmark, summarize, type BenchmarkContext, type Summary } from './lib/harness.js';
import { PAUSE_US, REQUESTED, STOP, type WakerWorkerData } from './lib/waker-worker.js';

const WAKER_TOKEN = 5 as Token;
const ITERATIONS = 1_000;
const WARMUP = 50;
const BUDGET_MS = 20_000;
const EVENT_TIMEOUT_MS = 5_000;

class WakerBench {
  readonly poll = new Poll();
  readonly events = new Events(16);
  readonly control = new Int32Array(new SharedArrayBuffer(16));
  readonly stamp = new BigInt64Array(new SharedArrayBuffer(8));
  readonly worker: Worker;

  constructor() {
    const waker = new Waker(this.poll.registry(), WAKER_TOKEN);
    const workerData: WakerWorkerData = { target: waker.target, control: this.control.buffer, stamp: this.stamp.buffer };
    this.worker = new Worker(new URL('./lib/waker-worker.js', import.meta.url), { workerData });
  }

  async ready(): Promise<void> {
    await once(this.worker, 'message');
  }

  #request(): void {
    Atomics.add(this.control, REQUESTED, 1);
    Atomics.notify(this.control, REQUESTED);
  }

  /** One wake-up; microseconds from the worker's stamp to the main thread's return. */
  async once(wait: 'poll' | 'pollAsync'): Promise<number> {
    let returned: bigint;
    if (wait === 'pollAsync') {
      const waiting = this.poll.pollAsync(this.events, { timeout: EVENT_TIMEOUT_MS });
      this.#request();
      await waiting;
      returned = process.hrtime.bigint();
    } else {
      this.#request();
      this.poll.poll(this.events, EVENT_TIMEOUT_MS);
      returned = process.hrtime.bigint();
    }
    const event = this.events.get(0);
    if (event?.token !== WAKER_TOKEN || this.events.length !== 1) throw new Error(`expected one waker event, got ${this.events.length}`);
    return Number(returned - Atomics.load(this.stamp, 0)) / 1000;
  }

  async close(): Promise<void> {
    Atomics.store(this.control, STOP, 1);
    this.#request();
    await once(this.worker, 'exit');
    this.poll.close();
  }
}

async function measure(bench: WakerBench, wait: 'poll' | 'pollAsync', { log }: BenchmarkContext): Promise<Summary> {
  Atomics.store(bench.control, PAUSE_US, 0);
  for (let i = 0; i < WARMUP; i++) await bench.once(wait);
  const samples: number[] = [];
  const budget = new Budget(BUDGET_MS);
  while (samples.length < ITERATIONS && !budget.expired) samples.push(await bench.once(wait));
  const summary = roundSummary(summarize(samples), 1);
  log(`${wait}(): p50 ${summary.median} us, p99 ${summary.p99} us over ${summary.n} wake-ups`);
  return summary;
}

await runBenchmark('waker-latency', 'Waker.wake() on a worker thread until the main thread has the event (microseconds)', async (context) => {
  const bench = new WakerBench();
  try {
    await bench.ready();
    const pollAsync = await measure(bench, 'pollAsync', context);
    const poll = await measure(bench, 'poll', context);
    return {
      results: {
        unit: 'microseconds',
        pollAsync: { p50: pollAsync.median, ...pollAsync },
        poll: { p50: poll.median, ...poll },
        pollAsyncOverPollMedian: round(pollAsync.median / poll.median, 2),
      },
      notes: [
        'the worker pauses 0.5-2 ms after each request before stamping and waking, so the main thread is already waiting',
        'pollAsync: the wait runs on a koffi worker thread and resolves on the main event loop; poll: the main thread blocks in GetQueuedCompletionStatusEx',
      ],
    };
  } finally {
    await bench.close();
  }
});
