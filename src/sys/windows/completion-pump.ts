// Waits on a completion port from a thread of its own (a worker) and forwards each batch of
// completions to the owning thread as a copied message. It waits only when its owner grants a
// wait (release()), so it never dequeues what nobody asked for, and it keeps libuv's threadpool
// free: a koffi async call would hold one of its four threads for the whole wait. A worker can
// be unref'd, so a process whose sources are all unref'd may exit while the pump waits.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { OVERLAPPED_ENTRY } from './ffi/structs.js';
import type { Completion } from './iocp.js';

// Shared control words: [0] a wait is granted, [1] exit without waiting again.
const GRANTED = 0;
const EXIT = 1;

// Plain CommonJS so the worker runs the same from sources and from the build. It owns its own
// entry buffer (a Buffer is fine: the call is synchronous on the worker's thread).
const PUMP_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const kernel32 = koffi.load('kernel32.dll');
const wait = kernel32.func('int __stdcall GetQueuedCompletionStatusEx(void *port, void *entries, uint32_t count, void *removed, uint32_t ms, int alertable)');
const lastError = kernel32.func('uint32_t __stdcall GetLastError()');
const control = workerData.control;
const entries = Buffer.alloc(${OVERLAPPED_ENTRY.size} * workerData.capacity);
const removed = Buffer.alloc(4);
for (;;) {
  Atomics.wait(control, ${GRANTED}, 0);
  Atomics.store(control, ${GRANTED}, 0);
  if (Atomics.load(control, ${EXIT}) !== 0) break;
  if (wait(workerData.port, entries, workerData.capacity, removed, 0xffffffff, 0) === 0) {
    parentPort.postMessage({ failed: lastError() });
    break;
  }
  const count = removed.readUInt32LE(0);
  let stop = false;
  for (let i = 0; i < count; i++) {
    if (entries.readBigUInt64LE(i * ${OVERLAPPED_ENTRY.size} + ${OVERLAPPED_ENTRY.overlapped}) === workerData.stopMarker) stop = true;
  }
  parentPort.postMessage({ entries: entries.subarray(0, count * ${OVERLAPPED_ENTRY.size}) });
  if (stop) break;
}
`;

export interface CompletionPumpOptions {
  port: bigint;
  /** Posting this overlapped address makes a waiting pump forward its batch and exit. */
  stopMarker: bigint;
  capacity: number;
  onCompletions: (completions: Completion[]) => void;
  /** GetQueuedCompletionStatusEx failed with this Win32 error; the pump exits next. */
  onFailed: (error: number) => void;
  onExit: () => void;
}

export class CompletionPump {
  static #live = 0;

  /** Pump threads started and not yet exited in this thread (their handles count in leak checks). */
  static get liveThreads(): number {
    return CompletionPump.#live;
  }

  readonly #worker: Worker;
  readonly #control = new Int32Array(new SharedArrayBuffer(8));
  #running = true;
  #waiting = false;

  constructor(options: CompletionPumpOptions) {
    const koffiPath = createRequire(import.meta.url).resolve('koffi');
    CompletionPump.#live++;
    this.#worker = new Worker(PUMP_SOURCE, {
      eval: true,
      workerData: { koffiPath, port: options.port, stopMarker: options.stopMarker, capacity: options.capacity, control: this.#control },
    });
    this.#worker.on('message', (message: { entries?: Uint8Array; failed?: number }) => {
      this.#waiting = false;
      if (message.failed !== undefined) options.onFailed(message.failed);
      else if (message.entries !== undefined) options.onCompletions(decodeEntries(message.entries));
    });
    this.#worker.on('exit', () => {
      CompletionPump.#live--;
      this.#running = false;
      this.#waiting = false;
      options.onExit();
    });
    this.#worker.on('error', () => {
      this.#running = false;
    });
  }

  get running(): boolean {
    return this.#running;
  }

  /** True from release() until the batch of that wait came back: the worker may be in the kernel. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /** Grants one wait on the port; its batch comes back through onCompletions. */
  release(): void {
    if (!this.#running || this.#waiting) return;
    this.#waiting = true;
    Atomics.store(this.#control, GRANTED, 1);
    Atomics.notify(this.#control, GRANTED);
  }

  /** Makes an idle pump exit without touching the port (a waiting one must be posted its stop marker). */
  exit(): void {
    Atomics.store(this.#control, EXIT, 1);
    Atomics.store(this.#control, GRANTED, 1);
    Atomics.notify(this.#control, GRANTED);
  }

  ref(): void {
    this.#worker.ref();
  }

  unref(): void {
    this.#worker.unref();
  }
}

function decodeEntries(bytes: Uint8Array): Completion[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const completions: Completion[] = [];
  for (let offset = 0; offset + OVERLAPPED_ENTRY.size <= bytes.byteLength; offset += OVERLAPPED_ENTRY.size) {
    completions.push({
      key: view.getBigUint64(offset + OVERLAPPED_ENTRY.completionKey, true),
      overlapped: view.getBigUint64(offset + OVERLAPPED_ENTRY.overlapped, true),
      bytesTransferred: view.getUint32(offset + OVERLAPPED_ENTRY.bytesTransferred, true),
    });
  }
  return completions;
}
