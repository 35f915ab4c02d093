// Waits on a completion port from a dedicated worker thread and forwards each batch of
// completions to the owning thread as a copied message. Unlike a koffi async call, a worker
// can be unref'd: a process whose sources are all unref'd may exit while the pump waits.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { OVERLAPPED_ENTRY } from './ffi/structs.js';
import type { Completion } from './iocp.js';

// Plain CommonJS so the worker runs the same from sources and from the build. It owns its own
// entry buffer (a Buffer is fine: the call is synchronous on the worker's thread).
const PUMP_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const kernel32 = koffi.load('kernel32.dll');
const wait = kernel32.func('int __stdcall GetQueuedCompletionStatusEx(void *port, void *entries, uint32_t count, void *removed, uint32_t ms, int alertable)');
const entries = Buffer.alloc(${OVERLAPPED_ENTRY.size} * workerData.capacity);
const removed = Buffer.alloc(4);
for (;;) {
  if (wait(workerData.port, entries, workerData.capacity, removed, 0xffffffff, 0) === 0) {
    parentPort.postMessage({ failed: true });
    break;
  }
  const count = removed.readUInt32LE(0);
  let stop = false;
  for (let i = 0; i < count; i++) {
    if (entries.readBigUInt64LE(i * ${OVERLAPPED_ENTRY.size} + ${OVERLAPPED_ENTRY.overlapped}) === workerData.stopMarker) stop = true;
  }
  parentPort.postMessage({ entries: entries.subarray(0, count * ${OVERLAPPED_ENTRY.size}) });
  if (stop) break;
  // Wait until the owner has handled the batch: completions that arrive meanwhile are taken
  // together by the next wait, instead of one thread wake-up each.
  Atomics.wait(workerData.handled, 0, 0);
  Atomics.store(workerData.handled, 0, 0);
}
`;

export interface CompletionPumpOptions {
  port: bigint;
  /** Posting this overlapped address makes the pump forward its batch and exit. */
  stopMarker: bigint;
  capacity: number;
  onCompletions: (completions: Completion[]) => void;
  onExit: () => void;
}

export class CompletionPump {
  readonly #worker: Worker;
  /** Set by the owner once a batch is handled: the pump waits for it before dequeuing more. */
  readonly #handled = new Int32Array(new SharedArrayBuffer(4));
  #running = true;

  constructor(options: CompletionPumpOptions) {
    const koffiPath = createRequire(import.meta.url).resolve('koffi');
    this.#worker = new Worker(PUMP_SOURCE, {
      eval: true,
      workerData: { koffiPath, port: options.port, stopMarker: options.stopMarker, capacity: options.capacity, handled: this.#handled },
    });
    this.#worker.on('message', (message: { entries?: Uint8Array; failed?: boolean }) => {
      try {
        if (message.entries !== undefined) options.onCompletions(decodeEntries(message.entries));
      } finally {
        this.release();
      }
    });
    this.#worker.on('exit', () => {
      this.#running = false;
      options.onExit();
    });
    this.#worker.on('error', () => {
      this.#running = false;
    });
  }

  get running(): boolean {
    return this.#running;
  }

  /** Lets the pump wait on the port again (also how a stop request reaches a pump between batches). */
  release(): void {
    Atomics.store(this.#handled, 0, 1);
    Atomics.notify(this.#handled, 0);
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
