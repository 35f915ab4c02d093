// One overlapped named-pipe operation (connect, read or write) and the block it lives in.
//
// Memory the kernel owns (docs/architecture.md, "Who owns native memory until when"): the block
// is owned by its pipe, and from ReadFile/WriteFile/ConnectNamedPipe until the completion packet
// for it has been dequeued (or, once the Poll's port is gone, until the kernel has written the
// final status into the OVERLAPPED) the kernel owns it too. Nobody frees it while `inFlight`.
import { NativeMemory, OVERLAPPED, STATUS_PENDING, kernel32 } from './ffi/index.js';
import type { CompletionOwner, WindowsSelector } from './selector.js';

export type PipeOperationKind = 'connect' | 'read' | 'write';

const STATUS_PENDING_BIG = BigInt(STATUS_PENDING);
// How long a Poll's teardown waits for cancelled pipe operations before giving up on them.
const PORT_CLOSED_DRAIN_MS = 2_000;

/**
 * A single native block laid out as [OVERLAPPED | data]. Owned by the pipe; while `inFlight`
 * the kernel owns it too, until its packet is dequeued.
 */
export class PipeOperation {
  readonly kind: PipeOperationKind;
  readonly memory: NativeMemory;
  readonly capacity: number;
  /** Started, and its completion packet not dequeued yet. */
  inFlight = false;
  /** Belongs to a connection or a pipe that is gone: freed when its packet arrives, unread. */
  abandoned = false;

  constructor(kind: PipeOperationKind, capacity: number) {
    this.kind = kind;
    this.capacity = capacity;
    this.memory = new NativeMemory(OVERLAPPED.size + capacity);
  }

  /** The OVERLAPPED's address: what the completion packet carries. */
  get address(): bigint {
    return this.memory.address;
  }

  /** Where the data starts. */
  get data(): bigint {
    return this.memory.at(OVERLAPPED.size);
  }

  /** A fresh OVERLAPPED (offset 0, no event) marked pending, ready for the next call. */
  prepare(): void {
    this.memory.bytes.fill(0, 0, OVERLAPPED.size);
    this.memory.setU64(OVERLAPPED.internal, STATUS_PENDING_BIG);
  }

  /** The kernel has not written the final status yet. */
  get pendingInKernel(): boolean {
    return this.memory.u64(OVERLAPPED.internal) === STATUS_PENDING_BIG;
  }

  bytes(start: number, end: number): Uint8Array {
    return this.memory.bytes.subarray(OVERLAPPED.size + start, OVERLAPPED.size + end);
  }
}

/**
 * What the read and write machines need from the pipe that owns them: the handle, whether an
 * operation may be started now, where blocks come from and go back to, and how readiness is
 * delivered (straight to the sink inside a completion, posted outside one).
 */
export interface PipeOperationHost {
  readonly handle: bigint;
  canIssue(): boolean;
  newOperation(kind: PipeOperationKind, capacity: number): PipeOperation;
  /** Frees a block the kernel is done with. */
  release(op: PipeOperation): void;
}

/**
 * Every operation block a pipe has alive, by OVERLAPPED address; each is registered with the
 * selector as a completion owner entry pointing at the pipe, from creation until it is freed.
 */
export class PipeOperations {
  readonly #all = new Map<bigint, PipeOperation>();
  readonly #owner: CompletionOwner;
  readonly #selector: () => WindowsSelector | undefined;

  constructor(owner: CompletionOwner, selector: () => WindowsSelector | undefined) {
    this.#owner = owner;
    this.#selector = selector;
  }

  get size(): number {
    return this.#all.size;
  }

  get(address: bigint): PipeOperation | undefined {
    return this.#all.get(address);
  }

  /** A new block whose packets the selector routes to the pipe (which is registered by now). */
  create(kind: PipeOperationKind, capacity: number): PipeOperation {
    const selector = this.#selector() as WindowsSelector;
    const op = new PipeOperation(kind, capacity);
    this.#all.set(op.address, op);
    selector.addCompletionOwner(op.address, this.#owner);
    return op;
  }

  /** Frees a block the kernel is done with. */
  release(op: PipeOperation): void {
    this.#all.delete(op.address);
    this.#selector()?.removeCompletionOwner(op.address);
    op.memory.free();
  }

  /** Frees an idle block now; cancels one in flight and frees it when its packet arrives. */
  retire(op: PipeOperation, handle: bigint): void {
    if (!op.inFlight) {
      this.release(op);
      return;
    }
    if (!op.abandoned) {
      op.abandoned = true;
      if (handle !== 0n) cancelQuietly(handle, op.address);
    }
  }

  /** close(): every block is retired. */
  retireAll(handle: bigint): void {
    for (const op of [...this.#all.values()]) this.retire(op, handle);
  }

  /**
   * The Poll's port is being torn down: no packet will be dequeued any more. Cancels what is in
   * flight, waits (bounded) until the kernel has written each final status, then frees. Returns
   * how many blocks were leaked because the kernel may still write them.
   */
  reclaimAfterPortClosed(handle: bigint): number {
    const inFlight = [...this.#all.values()].filter((op) => op.inFlight);
    if (handle !== 0n) {
      for (const op of inFlight) {
        if (!op.abandoned) cancelQuietly(handle, op.address);
      }
    }
    const deadline = performance.now() + PORT_CLOSED_DRAIN_MS;
    // Alertable, so that Wine can run the APC that completes the operation in this thread.
    while (inFlight.some((op) => op.pendingInKernel) && performance.now() < deadline) kernel32.sleepAlertable(1);
    let leaked = 0;
    for (const op of [...this.#all.values()]) {
      if (op.inFlight && op.pendingInKernel) {
        // Never free memory the kernel may still write: leak it, loudly.
        leaked++;
        this.#all.delete(op.address);
        this.#selector()?.removeCompletionOwner(op.address);
      } else {
        op.inFlight = false;
        this.release(op);
      }
    }
    return leaked;
  }
}

/** Asks the kernel to cancel `op`; its packet still comes (with the cancelled status). */
function cancelQuietly(handle: bigint, overlapped: bigint): void {
  try {
    kernel32.cancelIoEx(handle, overlapped);
  } catch {
    // Nothing to cancel, or the handle is going away anyway: the packet still comes.
  }
}
