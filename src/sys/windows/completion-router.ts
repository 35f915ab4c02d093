// Every packet dequeued from the port is routed by its OVERLAPPED (or APC context) address to the
// one owner of that address: a socket's AFD poll, a named pipe's operation, or one of the
// selector's markers (a Waker's bare post has the null address). One lookup, no special cases.
import type { ReadinessBits } from '../../core/readiness.js';
import type { Token } from '../../core/token.js';
import type { Completion } from './iocp.js';

/** Where owners deliver the events their completions produce. */
export interface EventSink {
  push(token: Token, readiness: ReadinessBits): void;
}

/** Owner of an OVERLAPPED (or APC context) address whose completions it consumes. */
export interface CompletionOwner {
  onCompletion(completion: Completion, sink: EventSink): void;
  /**
   * The port is being torn down and no further completion will be dequeued: an owner with
   * operations still in flight (a named pipe) cancels them and reclaims its memory here.
   */
  onPortClosed?(): void;
}

/** An owner whose packets only end a wait (the interrupt and stop markers). */
export const WAKES_ONLY: CompletionOwner = { onCompletion: () => undefined };

export class CompletionRouter {
  readonly #owners = new Map<bigint, CompletionOwner>();

  add(address: bigint, owner: CompletionOwner): void {
    this.#owners.set(address, owner);
  }

  remove(address: bigint): void {
    this.#owners.delete(address);
  }

  /** A packet whose address has no owner any more (its owner went first) is dropped. */
  route(completion: Completion, sink: EventSink): void {
    this.#owners.get(completion.overlapped)?.onCompletion(completion, sink);
  }

  routeAll(completions: Iterable<Completion>, sink: EventSink): void {
    for (const completion of completions) this.route(completion, sink);
  }

  /** No packet will be dequeued any more: owners with operations in flight reclaim them; all are forgotten. */
  portClosed(): void {
    for (const owner of new Set(this.#owners.values())) owner.onPortClosed?.();
    this.#owners.clear();
  }
}
