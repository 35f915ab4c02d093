// Waits on a completion port from a thread of its own (a worker) and hands each batch of
// completions to the owning thread through shared memory. It waits only when its owner grants a
// wait (release()), so it never dequeues what nobody asked for, and it keeps libuv's threadpool
// free: a koffi async call would hold one of its four threads for the whole wait. A worker can
// be unref'd, so a process whose sources are all unref'd may exit while the pump waits.
// Starting a worker (a Node environment, then koffi) takes 100 ms and more under Wine, several
// times that on a busy machine: until it is ready, granted waits are served on the owner's
// thread by non-blocking dequeues, so the first events are not held back by the start-up.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SystemError } from '../../core/errors.js';
import { GET_LAST_ERROR, GET_QUEUED_COMPLETION_STATUS_EX } from './ffi/kernel32.js';
import { OVERLAPPED_ENTRY } from './ffi/structs.js';
import type { Completion } from './iocp.js';

// Shared control words: GRANTED a wait is granted, EXIT exit without waiting again, DONE batches
// done (bumped and notified after each wait), COUNT the last batch's entry count or minus a Win32
// error, NOTIFY whether the owner may still be notified (NOTIFY_OPEN, NOTIFYING, NOTIFY_CLOSED),
// READY the worker has koffi and waits for grants. The worker gets this layout in workerData.
const CONTROL = { granted: 0, exit: 1, done: 2, count: 3, notify: 4, ready: 5, notifyOpen: 0, notifying: 1, notifyClosed: 2 } as const;
const CONTROL_WORDS = 6;

/** How often the owner's thread looks at the port while the worker starts. */
const STARTUP_POLL_MS = 1;

/** What completion-pump-worker.mjs receives: every declaration and layout from one source. */
export interface PumpWorkerData {
  koffiPath: string;
  prototypes: { getQueuedCompletionStatusEx: string; getLastError: string };
  layout: { control: typeof CONTROL; entry: { size: number; overlapped: number } };
  port: bigint;
  stopMarker: bigint;
  capacity: number;
  control: Int32Array;
  entries: SharedArrayBuffer;
}

export interface CompletionPumpOptions {
  port: bigint;
  /** Posting this overlapped address makes a waiting pump forward its batch and exit. */
  stopMarker: bigint;
  capacity: number;
  /** Dequeues what the port holds without blocking, on the owner's thread; throws when the port fails. */
  dequeueNow: () => Completion[];
  onCompletions: (completions: Completion[]) => void;
  /** GetQueuedCompletionStatusEx failed with this Win32 error; the pump exits next. */
  onFailed: (error: number) => void;
  onExit: () => void;
}

export class CompletionPump {
  static #live = 0;
  static #started = 0;

  /** Pump threads started and not yet exited in this thread (their handles count in leak checks). */
  static get liveThreads(): number {
    return CompletionPump.#live;
  }

  /** Pump threads started by this thread so far (a thread started anew shows here). */
  static get startedThreads(): number {
    return CompletionPump.#started;
  }

  readonly #worker: Worker;
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT));
  readonly #entries: DataView;
  readonly #options: CompletionPumpOptions;
  #running = true;
  #waiting = false;
  /** The owner's thread served a wait while the worker started and dequeued the stop marker. */
  #stopped = false;
  #startupPoll: NodeJS.Timeout | undefined;
  /** The batch holding the stop marker, dequeued here while the worker started: forwarded once it is gone. */
  #stopBatch: Completion[] | undefined;

  constructor(options: CompletionPumpOptions) {
    const koffiPath = createRequire(import.meta.url).resolve('koffi');
    const entries = new SharedArrayBuffer(OVERLAPPED_ENTRY.size * options.capacity);
    this.#entries = new DataView(entries);
    this.#options = options;
    CompletionPump.#live++;
    CompletionPump.#started++;
    const workerData: PumpWorkerData = {
      koffiPath,
      prototypes: { getQueuedCompletionStatusEx: GET_QUEUED_COMPLETION_STATUS_EX, getLastError: GET_LAST_ERROR },
      layout: { control: CONTROL, entry: { size: OVERLAPPED_ENTRY.size, overlapped: OVERLAPPED_ENTRY.overlapped } },
      port: options.port,
      stopMarker: options.stopMarker,
      capacity: options.capacity,
      control: this.#control,
      entries,
    };
    this.#worker = new Worker(new URL('./completion-pump-worker.mjs', import.meta.url), { workerData });
    this.#worker.on('exit', () => {
      CompletionPump.#live--;
      this.#cancelStartupPoll();
      this.#running = false;
      this.#waiting = false;
      const stopBatch = this.#stopBatch;
      this.#stopBatch = undefined;
      if (stopBatch !== undefined) options.onCompletions(stopBatch);
      options.onExit();
    });
    this.#worker.on('error', () => {
      this.#running = false;
    });
  }

  /** The granted wait came back: hands its batch (or its failure) to the owner. */
  #onDone(): void {
    this.#waiting = false;
    const count = Atomics.load(this.#control, CONTROL.count);
    if (count < 0) this.#options.onFailed(-count);
    else this.#options.onCompletions(decodeEntries(this.#entries, count));
  }

  get running(): boolean {
    return this.#running;
  }

  /** True from release() until the batch of that wait came back: the worker (or this thread, while it starts) may dequeue. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /** Grants one wait on the port; its batch comes back through onCompletions. */
  release(): void {
    if (!this.#running || this.#waiting || this.#stopped) return;
    this.#waiting = true;
    if (Atomics.load(this.#control, CONTROL.ready) === 0) {
      // Never synchronously: the owner hands batches over after release() returns. A timer, not
      // setImmediate: an unref'd immediate does not stop the loop from blocking in its poll
      // phase, so the look (and the grant once the worker is ready) waited for the next I/O or
      // timer, up to a whole pollAsync() timeout.
      this.#startupPoll = setTimeout(() => this.#pollWhileStarting(), 0).unref();
      return;
    }
    this.#grant();
  }

  #grant(): void {
    // Woken through V8's own task queue: no message to serialise, no copy of the entries.
    const done = Atomics.waitAsync(this.#control, CONTROL.done, Atomics.load(this.#control, CONTROL.done));
    Atomics.store(this.#control, CONTROL.granted, 1);
    Atomics.notify(this.#control, CONTROL.granted);
    if (done.async) void done.value.then(() => this.#onDone());
    else queueMicrotask(() => this.#onDone());
  }

  /**
   * The owner is exiting: from now on the worker never wakes it (its event loop is being torn
   * down). Waits out a notify in flight, a few instructions.
   */
  silence(): void {
    while (Atomics.compareExchange(this.#control, CONTROL.notify, CONTROL.notifyOpen, CONTROL.notifyClosed) === CONTROL.notifying);
  }

  /** One look at the port for a granted wait, made on this thread until the worker is ready. */
  #pollWhileStarting(): void {
    this.#startupPoll = undefined;
    if (!this.#running) return;
    let completions: Completion[];
    try {
      completions = this.#options.dequeueNow();
    } catch (error) {
      if (!(error instanceof SystemError)) throw error;
      this.#waiting = false;
      this.#stopped = true;
      this.#options.onFailed(error.osCode);
      this.exit();
      return;
    }
    if (completions.length > 0) {
      if (completions.some((completion) => completion.overlapped === this.#options.stopMarker)) {
        // The owner closes the port once this batch is back: the thread must be gone by then,
        // as it is when the worker itself dequeues the marker.
        this.#stopped = true;
        this.#stopBatch = completions;
        this.exit();
        return;
      }
      this.#waiting = false;
      this.#options.onCompletions(completions);
      return;
    }
    if (Atomics.load(this.#control, CONTROL.ready) !== 0) this.#grant();
    // Unref'd: a ref'd wait holds the process open through the worker, as the worker's wait does.
    else this.#startupPoll = setTimeout(() => this.#pollWhileStarting(), STARTUP_POLL_MS).unref();
  }

  #cancelStartupPoll(): void {
    if (this.#startupPoll === undefined) return;
    clearTimeout(this.#startupPoll);
    this.#startupPoll = undefined;
  }

  /** Makes an idle pump exit without touching the port (a waiting one must be posted its stop marker). */
  exit(): void {
    // A worker still starting finishes its start-up and then sees EXIT: terminating it while it
    // loads koffi aborted the whole process once (node-addon-api's fatal "napi_throw").
    Atomics.store(this.#control, CONTROL.exit, 1);
    Atomics.store(this.#control, CONTROL.granted, 1);
    Atomics.notify(this.#control, CONTROL.granted);
  }

  ref(): void {
    this.#worker.ref();
  }

  unref(): void {
    this.#worker.unref();
  }
}

function decodeEntries(view: DataView, count: number): Completion[] {
  const completions: Completion[] = [];
  for (let i = 0; i < count; i++) {
    const offset = i * OVERLAPPED_ENTRY.size;
    completions.push({
      key: view.getBigUint64(offset + OVERLAPPED_ENTRY.completionKey, true),
      overlapped: view.getBigUint64(offset + OVERLAPPED_ENTRY.overlapped, true),
      bytesTransferred: view.getUint32(offset + OVERLAPPED_ENTRY.bytesTransferred, true),
    });
  }
  return completions;
}
