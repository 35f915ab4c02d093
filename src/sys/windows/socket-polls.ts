// Where the AFD state of sockets lives: one SockState (and its native block) per registered
// socket, the shared AFD handles, and the queue of polls to (re)issue before the next wait
// (docs/architecture.md, Who owns native memory until when).
import type { Interest } from '../../core/interest.js';
import type { ReadinessBits } from '../../core/readiness.js';
import type { SocketRegistration } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import { AfdGroup } from './afd-group.js';
import { afdFlagsForInterest, readinessFromAfdFlags } from './afd-readiness.js';
import { baseSocketOf } from './base-socket.js';
import type { CompletionRouter, EventSink } from './completion-router.js';
import type { CompletionPort } from './iocp.js';
import { SockState } from './sock-state.js';

/** A registered socket, as the Selector contract hands it out. */
export class SocketPollRegistration implements SocketRegistration {
  constructor(
    readonly polls: SocketPolls,
    readonly state: SockState,
  ) {}
  get token(): Token {
    return this.state.token as Token;
  }
  get seenReadiness(): ReadinessBits {
    return readinessFromAfdFlags(this.state.seenFlags);
  }
}

export class SocketPolls {
  readonly #afdGroup: AfdGroup;
  readonly #router: CompletionRouter;
  /** True while a wait runs on another thread: a queued poll is issued at once so that wait sees it. */
  readonly #waitRunsElsewhere: () => boolean;
  /** Sockets whose poll must be (re)issued; a Set, so queueing twice is harmless. */
  readonly #updateQueue = new Set<SockState>();
  /** Every socket state whose native block is alive, deregistered ones awaiting their completion included. */
  readonly #live = new Set<SockState>();

  constructor(port: CompletionPort, router: CompletionRouter, waitRunsElsewhere: () => boolean) {
    this.#afdGroup = new AfdGroup(port);
    this.#router = router;
    this.#waitRunsElsewhere = waitRunsElsewhere;
  }

  get afdHandleCount(): number {
    return this.#afdGroup.handleCount;
  }

  get liveCount(): number {
    return this.#live.size;
  }

  register(socket: bigint, token: Token, interest: Interest): SocketPollRegistration {
    const baseSocket = baseSocketOf(socket);
    const afd = this.#afdGroup.acquire();
    let state: SockState;
    try {
      state = new SockState(socket, baseSocket, afd);
    } catch (error) {
      this.#afdGroup.release(afd);
      throw error;
    }
    this.#live.add(state);
    this.#router.add(state.completionAddress, { onCompletion: (_completion, sink) => this.#onPollCompleted(state, sink) });
    state.setInterest(afdFlagsForInterest(interest), token);
    try {
      this.#queue(state);
    } catch (error) {
      // The first poll failed: nothing is registered, nothing may stay polled without an owner.
      this.deregister(state);
      throw error;
    }
    return new SocketPollRegistration(this, state);
  }

  reregister(state: SockState, token: Token, interest: Interest): void {
    state.setInterest(afdFlagsForInterest(interest), token);
    this.#queue(state);
  }

  rearm(state: SockState, interest: Interest): void {
    if (state.addInterest(afdFlagsForInterest(interest))) this.#queue(state);
  }

  /** A read came back short: the read side is polled again (sock-state.ts, READ_SIDE). */
  readDrained(state: SockState): void {
    if (state.readDrained()) this.#queue(state);
  }

  deregister(state: SockState): void {
    state.markDelete();
    this.#updateQueue.delete(state);
    this.#releaseIfDone(state);
  }

  /** Issues the polls queued since the last wait. */
  update(): void {
    for (const state of this.#updateQueue) {
      // Leaves the queue only once its poll is issued: a failed issue (the error goes to the
      // caller) is tried again before the next wait, so the registration is not lost.
      if (state.deletePending) {
        this.#updateQueue.delete(state);
        continue;
      }
      state.update();
      this.#updateQueue.delete(state);
      this.#releaseIfDone(state);
    }
  }

  #queue(state: SockState): void {
    this.#updateQueue.add(state);
    if (this.#waitRunsElsewhere()) this.update();
  }

  #onPollCompleted(state: SockState, sink: EventSink): void {
    const report = state.complete();
    if (report !== undefined) sink.push(report.token as Token, readinessFromAfdFlags(report.flags));
    if (state.deletePending) this.#releaseIfDone(state);
    // Re-arm with whatever flags are still wanted.
    else this.#updateQueue.add(state);
  }

  /** The selector closes: every poll in flight is cancelled; each completion that comes back frees its state. */
  cancelAll(): void {
    this.#updateQueue.clear();
    for (const state of this.#live) state.markDelete();
  }

  get hasPendingPolls(): boolean {
    for (const state of this.#live) if (state.status !== 'idle') return true;
    return false;
  }

  /**
   * Frees every state whose poll came back and closes the AFD handles. Returns how many blocks
   * stay alive: the kernel may still write them, so they are never freed.
   */
  closeAll(): number {
    for (const state of this.#live) this.#releaseIfDone(state);
    this.#afdGroup.closeAll();
    return this.#live.size;
  }

  #releaseIfDone(state: SockState): void {
    if (!state.releasable) return;
    this.#live.delete(state);
    this.#router.remove(state.completionAddress);
    state.free();
    this.#afdGroup.release(state.afd);
  }
}
