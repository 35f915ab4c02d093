// An I/O completion port and the entry array completions are dequeued into.
import { InvalidStateError } from '../../core/errors.js';
import { INFINITE, NativeMemory, OVERLAPPED_ENTRY, kernel32 } from './ffi/index.js';

/** One dequeued completion packet. */
export interface Completion {
  key: bigint;
  /** The OVERLAPPED (or IO_STATUS_BLOCK / APC context) address; 0n for a bare post. */
  overlapped: bigint;
  bytesTransferred: number;
}

/**
 * Room for `capacity` OVERLAPPED_ENTRY records plus the removed-count word. Native memory:
 * an asynchronous wait writes it from a koffi worker thread until that wait resolves, so it
 * must not be freed while a wait is in flight (CompletionPort tracks that).
 */
export class CompletionEntries {
  readonly capacity: number;
  readonly memory: NativeMemory;
  #count = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.memory = new NativeMemory(capacity * OVERLAPPED_ENTRY.size + 8);
  }

  get removedCountAddress(): bigint {
    return this.memory.at(this.capacity * OVERLAPPED_ENTRY.size);
  }

  get removedCount(): number {
    return this.memory.u32(this.capacity * OVERLAPPED_ENTRY.size);
  }

  get length(): number {
    return this.#count;
  }

  setLength(count: number): void {
    this.#count = Math.min(count, this.capacity);
  }

  get(index: number): Completion {
    const base = index * OVERLAPPED_ENTRY.size;
    return {
      key: this.memory.u64(base + OVERLAPPED_ENTRY.completionKey),
      overlapped: this.memory.u64(base + OVERLAPPED_ENTRY.overlapped),
      bytesTransferred: this.memory.u32(base + OVERLAPPED_ENTRY.bytesTransferred),
    };
  }

  *[Symbol.iterator](): IterableIterator<Completion> {
    for (let i = 0; i < this.#count; i++) yield this.get(i);
  }

  free(): void {
    this.memory.free();
  }
}

export class CompletionPort {
  #handle: bigint;
  #waiting = 0;

  constructor() {
    this.#handle = kernel32.createIoCompletionPort(0n, 0n, 0n, 0);
  }

  get handle(): bigint {
    this.#assertOpen();
    return this.#handle;
  }

  get closed(): boolean {
    return this.#handle === 0n;
  }

  /** Asynchronous waits still running on a koffi worker thread. */
  get pendingWaits(): number {
    return this.#waiting;
  }

  /** Routes the completions of `handle` to this port under `key`. */
  associate(handle: bigint, key: bigint): void {
    kernel32.createIoCompletionPort(handle, this.handle, key, 0);
  }

  /** Queues a packet; a zero `overlapped` is how a Waker wakes the port. */
  post(key: bigint, bytes = 0, overlapped = 0n): void {
    kernel32.postQueuedCompletionStatus(this.handle, bytes, key, overlapped);
  }

  /** Blocks the calling thread until completions arrive or `timeoutMs` passes (undefined: forever). */
  getMany(entries: CompletionEntries, timeoutMs?: number, limit = entries.capacity): number {
    const removed = kernel32.getQueuedCompletionStatusEx(this.handle, entries.memory.address, Math.max(1, Math.min(limit, entries.capacity)), timeoutMs ?? INFINITE);
    entries.setLength(removed);
    return removed;
  }

  /** The same wait on a koffi worker thread; Node's event loop keeps running meanwhile. */
  async getManyAsync(entries: CompletionEntries, timeoutMs?: number, limit = entries.capacity): Promise<number> {
    const handle = this.handle;
    this.#waiting++;
    try {
      const count = Math.max(1, Math.min(limit, entries.capacity));
      const ok = await kernel32.getQueuedCompletionStatusExAsync(handle, entries.memory.address, count, entries.removedCountAddress, timeoutMs ?? INFINITE);
      const removed = ok ? entries.removedCount : 0;
      entries.setLength(removed);
      return removed;
    } finally {
      this.#waiting--;
    }
  }

  close(): void {
    if (this.#handle === 0n) return;
    const handle = this.#handle;
    this.#handle = 0n;
    kernel32.closeHandle(handle);
  }

  #assertOpen(): void {
    if (this.#handle === 0n) throw new InvalidStateError('ERR_PORT_CLOSED', 'the completion port is closed');
  }
}
