// mio's Windows selector: one completion port, AFD polls for sockets (shared AFD handles),
// and an update queue that (re)issues polls right before each wait, or at once while a wait
// is running on another thread.
import { InvalidArgumentError, InvalidStateError } from '../../core/errors.js';
import type { Events } from '../../core/events.js';
import type { Interest } from '../../core/interest.js';
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import type { BackgroundWait, EventBatch, RemoteCommandTarget, Selector, SocketRegistration, WakerTarget } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import { AfdGroup } from './afd-group.js';
import { afdFlagsForInterest, readinessFromAfdFlags } from './afd-readiness.js';
import { baseSocketOf } from './base-socket.js';
import { NativeMemory } from './ffi/index.js';
import { CompletionPump } from './completion-pump.js';
import { createPortLifetime, markClosed, waitForPosters } from './port-lifetime.js';
import { type Completion, CompletionEntries, CompletionPort } from './iocp.js';
import { SockState } from './sock-state.js';

/** Where completions that are not AFD polls (named pipes) deliver their events. */
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

class SocketRegistrationImpl implements SocketRegistration {
  constructor(
    readonly selector: WindowsSelector,
    readonly state: SockState,
  ) {}
  get token(): Token {
    return this.state.token as Token;
  }
  get seenReadiness(): ReadinessBits {
    return readinessFromAfdFlags(this.state.seenFlags);
  }
}

// How long close() waits for cancelled polls to report back before it gives up on them.
const CLOSE_DRAIN_MS = 2_000;

export class WindowsSelector implements Selector {
  readonly #port: CompletionPort;
  readonly #afdGroup: AfdGroup;
  /** Sockets whose poll must be (re)issued; a Set, so queueing twice is harmless. */
  readonly #updateQueue = new Set<SockState>();
  /** Every socket state whose native block is alive, by its completion address. */
  readonly #states = new Map<bigint, SockState>();
  readonly #owners = new Map<bigint, CompletionOwner>();
  /** Events that did not fit the caller's Events; delivered first next time. */
  #overflow: { token: Token; readiness: ReadinessBits }[] = [];
  #entries: CompletionEntries | undefined;
  /** A private address posted to interrupt a wait without producing an event. */
  readonly #interrupt: NativeMemory;
  /** Posted by other threads when they queued registry commands for us. */
  readonly #commandMarker: NativeMemory;
  #remoteHandler: (() => void) | undefined;
  /** Shared with every Waker and RemoteRegistry: they stop posting before the port closes. */
  readonly #lifetime = createPortLifetime();
  /** Posted to make a waiting pump exit. */
  readonly #stopMarker: NativeMemory;
  /** The thread that waits on the port for selectAsync() and the background wait; made on first use. */
  #pump: CompletionPump | undefined;
  #pumpExited: Promise<void> | undefined;
  /** Who gets the pump's next batch: a pending selectAsync(), or the background wait. */
  #batchConsumer: ((completions: Completion[]) => void) | undefined;
  #pumpFailure: Error | undefined;
  /** A selectAsync() is waiting for its batch. */
  #asyncWaiting = false;
  /** startBackgroundWait() is running: the pump waits again after every batch. */
  #background = false;
  #closed = false;
  #tornDown = false;

  constructor() {
    this.#port = new CompletionPort();
    this.#afdGroup = new AfdGroup(this.#port);
    this.#interrupt = new NativeMemory(8);
    this.#commandMarker = new NativeMemory(8);
    this.#stopMarker = new NativeMemory(8);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get port(): CompletionPort {
    return this.#port;
  }

  /** Open AFD handles: one per 32 registered sockets at most. */
  get afdHandleCount(): number {
    return this.#afdGroup.handleCount;
  }

  /** Socket states whose native memory is still alive (including deregistered ones awaiting their completion). */
  get liveSocketStates(): number {
    return this.#states.size;
  }

  registerSocket(socket: bigint, token: Token, interest: Interest): SocketRegistration {
    this.#assertOpen();
    const baseSocket = baseSocketOf(socket);
    const afd = this.#afdGroup.acquire();
    let state: SockState;
    try {
      state = new SockState(socket, baseSocket, afd);
    } catch (error) {
      this.#afdGroup.release(afd);
      throw error;
    }
    this.#states.set(state.completionAddress, state);
    state.setInterest(afdFlagsForInterest(interest), token);
    try {
      this.#queue(state);
    } catch (error) {
      // The first poll failed: nothing is registered, nothing may stay polled without an owner.
      state.markDelete();
      this.#updateQueue.delete(state);
      this.#releaseIfDone(state);
      throw error;
    }
    return new SocketRegistrationImpl(this, state);
  }

  reregisterSocket(registration: SocketRegistration, token: Token, interest: Interest): void {
    const state = this.#stateOf(registration);
    state.setInterest(afdFlagsForInterest(interest), token);
    this.#queue(state);
  }

  rearmSocket(registration: SocketRegistration, interest: Interest): void {
    const state = this.#stateOf(registration);
    if (state.addInterest(afdFlagsForInterest(interest))) this.#queue(state);
  }

  deregisterSocket(registration: SocketRegistration): void {
    const state = this.#stateOf(registration, true);
    // Closed behind our back: its poll reported LOCAL_CLOSE and the selector already let go
    // (mio's delete-pending). Deregister asks for nothing more; failing here would depend on
    // whether a wait happened to run between the close and this call.
    if (state.deletePending) return;
    state.markDelete();
    this.#updateQueue.delete(state);
    this.#releaseIfDone(state);
  }

  /** Lets a non-socket source (a named pipe) receive the completions of `address`. */
  addCompletionOwner(address: bigint, owner: CompletionOwner): void {
    this.#assertOpen();
    this.#owners.set(address, owner);
  }

  removeCompletionOwner(address: bigint): void {
    this.#owners.delete(address);
  }

  wakerTarget(token: Token): WakerTarget {
    this.#assertOpen();
    return { port: this.#port.handle, token, lifetime: this.#lifetime };
  }

  remoteCommandTarget(): RemoteCommandTarget {
    this.#assertOpen();
    return { port: this.#port.handle, marker: this.#commandMarker.address, lifetime: this.#lifetime };
  }

  onRemoteCommands(handler: () => void): void {
    this.#remoteHandler = handler;
  }

  /**
   * Hands the waiting to the pump for good: completions come back in batches and their events
   * go to `deliver`, on this thread. While it runs, select() and selectAsync() are refused.
   */
  startBackgroundWait(deliver: (batch: EventBatch) => void): BackgroundWait {
    this.#assertOpen();
    this.#assertNotWaiting();
    const pump = this.#ensurePump();
    const done = this.#pumpExited ?? Promise.resolve();
    this.#background = true;
    this.#batchConsumer = (completions) => {
      const batch: EventBatch = [];
      const sink: EventSink = { push: (token, readiness) => batch.push({ token, readiness }) };
      for (const completion of completions) this.#dispatch(completion, sink);
      if (!this.#closed) this.#updateSockets();
      // Wait again before delivering: a handler that closes the Poll stops the pump itself.
      pump.release();
      if (batch.length > 0) deliver(batch);
    };
    this.#updateSockets();
    pump.release();
    return {
      ref: () => pump.ref(),
      unref: () => pump.unref(),
      stop: () => {
        this.#stopPump();
        return done;
      },
    };
  }

  /** The pump, made on first use; unref'd while nobody waits. */
  #ensurePump(): CompletionPump {
    if (this.#pumpFailure !== undefined) throw this.#pumpFailure;
    if (this.#pump !== undefined) return this.#pump;
    let exited!: () => void;
    this.#pumpExited = new Promise<void>((resolve) => (exited = resolve));
    // A pump blocked in the kernel would hold the process open at exit: release it first, and
    // silently (completion-pump.ts, silence()).
    const stopOnExit = (): void => {
      this.#pump?.silence();
      this.#stopPump();
    };
    process.on('exit', stopOnExit);
    const pump = new CompletionPump({
      port: this.#port.handle,
      stopMarker: this.#stopMarker.address,
      capacity: 1024,
      dequeueNow: () => {
        const entries = (this.#entries ??= new CompletionEntries(64));
        this.#port.getMany(entries, 0);
        return [...entries];
      },
      onCompletions: (completions) => {
        const consumer = this.#batchConsumer;
        if (consumer !== undefined) consumer(completions);
        // Nobody waits any more (an aborted wait): an edge is reported once, keep its events.
        else this.#keep(completions);
      },
      onFailed: (error) => {
        this.#pumpFailure = new InvalidStateError('ERR_POLL_FAILED', `waiting on the completion port failed (Win32 error ${error})`);
      },
      onExit: () => {
        process.off('exit', stopOnExit);
        this.#pump = undefined;
        this.#pumpExited = undefined;
        this.#background = false;
        const consumer = this.#batchConsumer;
        this.#batchConsumer = undefined;
        if (this.#closed) this.#teardown();
        // A wait still pending gets an empty batch: it sees the close (or the failure).
        consumer?.([]);
        exited();
      },
    });
    pump.unref();
    this.#pump = pump;
    return pump;
  }

  /** Ends the pump: a waiting one through the port, an idle one directly. */
  #stopPump(): void {
    const pump = this.#pump;
    if (pump === undefined) return;
    if (pump.waiting) {
      if (!this.#port.closed) this.#port.post(0n, 0, this.#stopMarker.address);
    } else pump.exit();
  }

  /** Completions that arrived for nobody: their events wait in the overflow for the next wait. */
  #keep(completions: Completion[]): void {
    const sink: EventSink = { push: (token, readiness) => this.#overflow.push({ token, readiness }) };
    for (const completion of completions) this.#dispatch(completion, sink);
  }

  select(events: Events, timeoutMs: number | undefined): void {
    this.#assertOpen();
    this.#assertNotWaiting();
    const entries = this.#entriesFor(events);
    events.clear();
    this.#drainOverflow(events);
    const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    let wait = events.length > 0 ? 0 : timeoutMs;
    for (;;) {
      this.#updateSockets();
      // Never dequeue more than the caller can take: an edge reported once must not be parked.
      if (events.length < events.capacity) this.#port.getMany(entries, wait === undefined ? undefined : Math.ceil(wait), events.capacity - events.length);
      else entries.setLength(0);
      this.#feed(entries, events);
      if (events.length > 0 || this.#closed) return;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return;
      wait = remaining === Infinity ? undefined : remaining;
    }
  }

  async selectAsync(events: Events, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    this.#assertOpen();
    this.#assertNotWaiting();
    signal?.throwIfAborted();
    events.clear();
    this.#drainOverflow(events);
    if (events.length > 0 || timeoutMs === 0) {
      // Events are at hand already, or only what is ready is wanted: no trip to the pump.
      const entries = this.#entriesFor(events);
      this.#updateSockets();
      if (events.length < events.capacity) this.#port.getMany(entries, 0, events.capacity - events.length);
      else entries.setLength(0);
      this.#feed(entries, events);
      return;
    }
    const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    let wait = timeoutMs;
    const onAbort = (): void => this.#interruptWait();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        this.#updateSockets();
        const completions = await this.#waitOnPump(wait);
        this.#feed(completions, events);
        if (this.#closed) {
          this.#teardown();
          return;
        }
        if (signal?.aborted === true) {
          // An aborted wait's events never reach the caller, and an edge is reported only once:
          // keep what this wait dequeued (or took from the overflow) for the next wait.
          this.putBack(events, 0);
          events.clear();
          signal.throwIfAborted();
        }
        if (events.length > 0) return;
        const remaining = deadline - performance.now();
        if (remaining <= 0) return;
        wait = remaining === Infinity ? undefined : remaining;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * One wait of the pump, ref'd like a pending net handle; a timeout posts the interrupt marker.
   * The pump's entries belong to its thread until the batch is back.
   */
  #waitOnPump(timeoutMs: number | undefined): Promise<Completion[]> {
    const pump = this.#ensurePump();
    return new Promise<Completion[]>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.#interruptWait(), Math.ceil(timeoutMs));
      this.#asyncWaiting = true;
      this.#batchConsumer = (completions) => {
        this.#batchConsumer = undefined;
        this.#asyncWaiting = false;
        clearTimeout(timer);
        pump.unref();
        if (this.#pumpFailure !== undefined && !this.#closed) reject(this.#pumpFailure);
        else resolve(completions);
      };
      pump.ref();
      pump.release();
    });
  }

  /** Closes the port after every poll in flight has reported back; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    markClosed(this.#lifetime);
    if (this.#pump?.waiting === true) {
      // The pump may be in the kernel: it exits after forwarding what it dequeued; teardown runs then.
      this.#stopPump();
      return;
    }
    this.#stopPump();
    this.#teardown();
  }

  #teardown(): void {
    if (this.#tornDown) return;
    this.#tornDown = true;
    this.#updateQueue.clear();
    for (const state of this.#states.values()) state.markDelete();
    const entries = this.#entries ?? new CompletionEntries(64);
    this.#entries = entries;
    const sink: EventSink = { push: () => undefined };
    const deadline = performance.now() + CLOSE_DRAIN_MS;
    while (this.#hasPendingPolls() && performance.now() < deadline) {
      this.#port.getMany(entries, 50);
      for (const completion of entries) this.#dispatch(completion, sink);
    }
    // Completions already queued for non-socket owners (pipes) are handed over so they can free.
    this.#port.getMany(entries, 0);
    for (const completion of entries) this.#dispatch(completion, sink);
    // Owners whose operations are still in flight would never hear back: let them reclaim now.
    for (const owner of new Set(this.#owners.values())) owner.onPortClosed?.();
    this.#owners.clear();
    for (const state of this.#states.values()) {
      if (state.releasable) this.#release(state);
    }
    if (this.#states.size > 0) {
      // Never free memory the kernel may still write: leak it, loudly.
      process.emitWarning(`mio-ts: ${this.#states.size} AFD poll(s) did not complete before close; their memory is leaked`);
    }
    this.#afdGroup.closeAll();
    entries.free();
    this.#entries = undefined;
    this.#interrupt.free();
    this.#commandMarker.free();
    this.#stopMarker.free();
    this.#remoteHandler = undefined;
    // Another thread may be posting right now: its handle value must not be recycled under it.
    waitForPosters(this.#lifetime);
    this.#port.close();
  }

  #hasPendingPolls(): boolean {
    for (const state of this.#states.values()) if (state.status !== 'idle') return true;
    return false;
  }

  #interruptWait(): void {
    if (!this.#port.closed) this.#port.post(0n, 0, this.#interrupt.address);
  }

  #queue(state: SockState): void {
    this.#updateQueue.add(state);
    // A wait is running on another thread: issue the poll now so that wait sees it.
    if (this.#pump?.waiting === true) this.#updateSockets();
  }

  #updateSockets(): void {
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

  #feed(completions: Iterable<Completion>, events: Events): void {
    const sink: EventSink = {
      push: (token, readiness) => {
        if (!events.push(token, readiness)) this.#overflow.push({ token, readiness });
      },
    };
    for (const completion of completions) this.#dispatch(completion, sink);
  }

  #dispatch(completion: Completion, sink: EventSink): void {
    if (completion.overlapped === 0n) {
      // A Waker: the key is its token.
      sink.push(Number(completion.key) as Token, Readiness.READABLE);
      return;
    }
    if (completion.overlapped === this.#interrupt.address || completion.overlapped === this.#stopMarker.address) return;
    if (completion.overlapped === this.#commandMarker.address) {
      if (!this.#tornDown) this.#remoteHandler?.();
      return;
    }
    const state = this.#states.get(completion.overlapped);
    if (state !== undefined) {
      const report = state.complete();
      if (report !== undefined) sink.push(report.token as Token, readinessFromAfdFlags(report.flags));
      if (state.deletePending) this.#releaseIfDone(state);
      // Re-arm with whatever flags are still wanted.
      else this.#updateQueue.add(state);
      return;
    }
    this.#owners.get(completion.overlapped)?.onCompletion(completion, sink);
  }

  #releaseIfDone(state: SockState): void {
    if (state.releasable) this.#release(state);
  }

  #release(state: SockState): void {
    this.#states.delete(state.completionAddress);
    state.free();
    this.#afdGroup.release(state.afd);
  }

  /**
   * Takes back events from `from` on that were dequeued but never delivered (an aborted wait,
   * an iterator that stopped mid-batch): the next wait returns them first, in order.
   */
  putBack(events: Events, from: number): void {
    const kept: { token: Token; readiness: ReadinessBits }[] = [];
    for (let i = from; i < events.length; i++) {
      const event = events.get(i);
      if (event !== undefined) kept.push({ token: event.token, readiness: event.readiness });
    }
    if (kept.length > 0) this.#overflow.unshift(...kept);
  }

  #drainOverflow(events: Events): void {
    while (this.#overflow.length > 0) {
      const next = this.#overflow[0];
      if (next === undefined || !events.push(next.token, next.readiness)) return;
      this.#overflow.shift();
    }
  }

  #entriesFor(events: Events): CompletionEntries {
    const capacity = Math.max(1, Math.min(events.capacity, 1024));
    if (this.#entries === undefined || this.#entries.capacity < capacity) {
      this.#entries?.free();
      this.#entries = new CompletionEntries(capacity);
    }
    return this.#entries;
  }

  #stateOf(registration: SocketRegistration, allowDeleted = false): SockState {
    if (!(registration instanceof SocketRegistrationImpl) || registration.selector !== this) {
      throw new InvalidArgumentError('the registration belongs to another Poll');
    }
    this.#assertOpen();
    if (registration.state.deletePending && !allowDeleted) throw new InvalidStateError('ERR_NOT_REGISTERED', 'the source is not registered');
    return registration.state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidStateError('ERR_POLL_CLOSED', 'the Poll is closed');
  }

  #assertNotWaiting(): void {
    if (this.#asyncWaiting || this.#background) throw new InvalidStateError('ERR_POLL_BUSY', 'a poll is already in progress on this Poll');
  }
}
