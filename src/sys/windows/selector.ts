// mio's Windows selector: one completion port, AFD polls for sockets (socket-polls.ts), packets
// routed by address to their owner (completion-router.ts), and one wait loop (wait-loop.ts)
// driven on this thread by select() or on the pump's thread by selectAsync() and the
// background wait.
// About 490 lines: the Selector contract's methods and the pump's hand-over and hand-back; the AFD state, the
// routing, the wait loop, parked events and the close drain live in their own files.
import { InvalidArgumentError, InvalidStateError, NotRegisteredError, PollBusyError, PollClosedError } from '../../core/errors.js';
import type { Events } from '../../core/events.js';
import type { Interest } from '../../core/interest.js';
import { workWaitingForNextTurn } from '../../core/next-turn.js';
import type { BackgroundWait, EventBatch, RemoteCommandTarget, Selector, SocketRegistration, WakerTarget } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import { NativeMemory } from './ffi/index.js';
import { drainCancelledPolls } from './close-drain.js';
import { CompletionPump } from './completion-pump.js';
import { type CompletionOwner, CompletionRouter, type EventSink, WAKES_ONLY } from './completion-router.js';
import { createPortLifetime, markClosed, waitForPosters } from './port-lifetime.js';
import { type Completion, CompletionEntries, CompletionPort } from './iocp.js';
import { ParkedEvents } from './parked-events.js';
import type { SockState } from './sock-state.js';
import { SocketPollRegistration, SocketPolls } from './socket-polls.js';
import { WAKE_ADDRESS, WAKE_RECEIVER } from './waker.js';
import { type WaitHost, type WaitLoop, type WaitTarget, waitLoop } from './wait-loop.js';

// Named pipes import these from here.
export type { CompletionOwner, EventSink } from './completion-router.js';

// How long close() waits for cancelled polls to report back before it gives up on them.
const CLOSE_DRAIN_MS = 2_000;
const PUMP_CAPACITY = 1024;
/** While events keep coming, timers, immediates and libuv's other I/O still run at least this often. */
const EVENT_LOOP_TURN_MS = 1;

export class WindowsSelector implements Selector {
  readonly #port = new CompletionPort();
  readonly #router = new CompletionRouter();
  readonly #sockets: SocketPolls;
  readonly #parked = new ParkedEvents();
  #entries: CompletionEntries | undefined;
  /** Posted to end a wait without producing an event (a timeout, an abort). */
  readonly #interrupt = new NativeMemory(8);
  /** Posted by other threads when they queued registry commands for us. */
  readonly #commandMarker = new NativeMemory(8);
  /** Posted to make a waiting pump exit. */
  readonly #stopMarker = new NativeMemory(8);
  #remoteHandler: (() => void) | undefined;
  /** Shared with every Waker and RemoteRegistry: they stop posting before the port closes. */
  readonly #lifetime = createPortLifetime();
  /** The thread that waits on the port for selectAsync() and the background wait; made on first use. */
  #pump: CompletionPump | undefined;
  #pumpExited: Promise<void> | undefined;
  #pumpFailure: Error | undefined;
  /** Who gets the pump's next batch: a pending selectAsync(), or the background wait. */
  #batchConsumer: ((completions: Completion[]) => void) | undefined;
  /** A selectAsync() waits for its batch, or the background wait runs: other waits are refused. */
  #busy = false;
  /** What selectAsync() has done so far, for benchmarks: non-blocking dequeues, the event-loop turns taken before them, waits on the pump. */
  readonly asyncWaits = { dequeues: 0, eventLoopTurns: 0, pumpWaits: 0 };
  /** performance.now() when the event loop last turned under a selectAsync() (docs/architecture.md). */
  #lastEventLoopTurn = 0;
  #closed = false;
  /** Teardown has begun: remote commands are no longer run. */
  #tornDown = false;
  /** Resolves once teardown closed the port. */
  #teardownDone: Promise<void> | undefined;
  /** What the wait loop runs on. */
  readonly #host: WaitHost = {
    isClosed: () => this.#closed,
    updateSockets: () => this.#sockets.update(),
    route: (completions, sink) => this.#router.routeAll(completions, sink),
  };

  constructor() {
    this.#sockets = new SocketPolls(this.#port, this.#router, () => this.#pump?.waiting === true);
    this.#router.add(WAKE_ADDRESS, WAKE_RECEIVER);
    this.#router.add(this.#interrupt.address, WAKES_ONLY);
    this.#router.add(this.#stopMarker.address, WAKES_ONLY);
    this.#router.add(this.#commandMarker.address, {
      onCompletion: () => {
        if (!this.#tornDown) this.#remoteHandler?.();
      },
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get port(): CompletionPort {
    return this.#port;
  }

  /** Open AFD handles: one per 32 registered sockets at most. */
  get afdHandleCount(): number {
    return this.#sockets.afdHandleCount;
  }

  get pollsInFlight(): boolean {
    return this.#sockets.hasPendingPolls;
  }

  /** Socket states whose native memory is still alive (including deregistered ones awaiting their completion). */
  get liveSocketStates(): number {
    return this.#sockets.liveCount;
  }

  registerSocket(socket: bigint, token: Token, interest: Interest): SocketRegistration {
    this.#assertOpen();
    return this.#sockets.register(socket, token, interest);
  }

  reregisterSocket(registration: SocketRegistration, token: Token, interest: Interest): void {
    this.#sockets.reregister(this.#stateOf(registration), token, interest);
  }

  rearmSocket(registration: SocketRegistration, interest: Interest): void {
    this.#sockets.rearm(this.#stateOf(registration), interest);
  }

  socketReadDrained(registration: SocketRegistration): void {
    this.#sockets.readDrained(this.#stateOf(registration));
  }

  deregisterSocket(registration: SocketRegistration): void {
    const state = this.#stateOf(registration, true);
    // Closed behind our back: its poll reported LOCAL_CLOSE and the selector already let go
    // (mio's delete-pending). Deregister asks for nothing more; failing here would depend on
    // whether a wait happened to run between the close and this call.
    if (state.deletePending) return;
    this.#sockets.deregister(state);
  }

  /** Lets a non-socket source (a named pipe) receive the completions of `address`. */
  addCompletionOwner(address: bigint, owner: CompletionOwner): void {
    this.#assertOpen();
    this.#router.add(address, owner);
  }

  removeCompletionOwner(address: bigint): void {
    this.#router.remove(address);
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

  select(events: Events, timeoutMs: number | undefined): void {
    this.#assertOpen();
    this.#assertNotWaiting();
    const entries = this.#entriesFor(events);
    events.clear();
    this.#parked.drainInto(events);
    const loop = waitLoop(this.#host, this.#parked.targetFor(events), timeoutMs);
    for (let step = loop.next(); !step.done; ) {
      this.#port.getMany(entries, step.value.timeoutMs, step.value.limit);
      step = loop.next(entries);
    }
  }

  async selectAsync(events: Events, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    this.#assertOpen();
    this.#assertNotWaiting();
    signal?.throwIfAborted();
    events.clear();
    this.#parked.drainInto(events);
    const loop = waitLoop(this.#host, this.#parked.targetFor(events), timeoutMs);
    const onAbort = (): void => this.#interruptWait();
    signal?.addEventListener('abort', onAbort, { once: true });
    let looked = false;
    try {
      for (let step = loop.next(); !step.done; ) {
        let completions: Iterable<Completion>;
        if (step.value.timeoutMs === 0) {
          // Only what is ready is wanted: dequeued here, without a trip to the pump.
          this.asyncWaits.dequeues++;
          completions = this.#dequeueNow(this.#entriesFor(events), step.value.limit);
        } else if (!looked) {
          // What became ready while the last batch was served (a reply on loopback, a busy
          // peer) is taken here: a trip to the pump costs two thread wake-ups, each a wineserver
          // round trip under Wine. The event loop turns first if its turn is due.
          looked = true;
          this.asyncWaits.dequeues++;
          if (this.#eventLoopTurnDue()) {
            this.asyncWaits.eventLoopTurns++;
            await this.#eventLoopTurn();
          }
          completions = this.#closed ? [] : this.#dequeueNow(this.#entriesFor(events), step.value.limit);
        } else {
          this.asyncWaits.pumpWaits++;
          completions = await this.#waitOnPump(step.value.timeoutMs);
          // The loop turned while the pump waited: it woke this thread through libuv.
          this.#lastEventLoopTurn = performance.now();
        }
        step = loop.next(completions);
        if (this.#closed) {
          await this.#teardown();
          return;
        }
        if (signal?.aborted === true) {
          // An aborted wait's events never reach the caller, and an edge is reported only once:
          // keep what this wait dequeued (or took from the parked events) for the next wait.
          this.putBack(events, 0);
          events.clear();
          signal.throwIfAborted();
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Hands the waiting to the pump for good: completions come back in batches and their events
   * go to `deliver`, on this thread. While it runs, select() and selectAsync() are refused.
   */
  startBackgroundWait(deliver: (batch: EventBatch) => void, fail: (error: Error) => void): BackgroundWait {
    this.#assertOpen();
    this.#assertNotWaiting();
    const pump = this.#ensurePump();
    const done = this.#pumpExited ?? Promise.resolve();
    let batch: EventBatch = [];
    const target: WaitTarget = { sink: { push: (token, readiness) => batch.push({ token, readiness }) }, room: PUMP_CAPACITY, hasEvents: false };
    const loop: WaitLoop = waitLoop(this.#host, target, undefined);
    this.#busy = true;
    let failed = false;
    /** Set by handOver(): the wait in flight is the last one. */
    let handedOver: (() => void) | undefined;
    const stopFor = (error: Error): void => {
      if (failed) return;
      failed = true;
      this.#stopPump();
      fail(error);
    };
    const consumer = (completions: Completion[]): void => {
      try {
        loop.next(completions);
      } catch (error) {
        // A poll that cannot be issued (NtDeviceIoControlFile failed): its socket would never
        // be reported again, so waiting on cannot be trusted.
        stopFor(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (this.#pumpFailure !== undefined) {
        stopFor(this.#pumpFailure);
        return;
      }
      if (handedOver !== undefined) {
        // An edge is reported once: what this last wait brought is the next wait's.
        for (const { token, readiness } of batch) this.#parked.sink.push(token, readiness);
        batch = [];
        if (this.#batchConsumer === consumer) this.#batchConsumer = undefined;
        this.#busy = false;
        handedOver();
        return;
      }
      // Wait again before delivering: a handler that closes the Poll stops the pump itself.
      pump.release();
      const delivered = batch;
      batch = [];
      deliver(delivered);
    };
    this.#batchConsumer = consumer;
    loop.next();
    pump.release();
    return {
      ref: () => pump.ref(),
      unref: () => pump.unref(),
      stop: () => {
        this.#stopPump();
        return done;
      },
      // A thread that is still starting would have to finish its start (seconds on a busy
      // machine) before it could exit: a ref'd wait coming next uses it instead.
      handOver: () =>
        new Promise<void>((resolve) => {
          if (failed || this.#batchConsumer !== consumer) {
            resolve();
            return;
          }
          handedOver = resolve;
          this.#interruptWait();
        }),
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
      capacity: PUMP_CAPACITY,
      dequeueNow: () => [...this.#dequeueNow((this.#entries ??= new CompletionEntries(64)))],
      onCompletions: (completions) => {
        const consumer = this.#batchConsumer;
        if (consumer !== undefined) consumer(completions);
        // Nobody waits any more (an aborted wait): an edge is reported once, keep its events.
        else this.#router.routeAll(completions, this.#parked.sink);
      },
      onFailed: (error) => {
        this.#pumpFailure = new InvalidStateError('ERR_POLL_FAILED', `waiting on the completion port failed (Win32 error ${error})`);
      },
      onExit: () => {
        process.off('exit', stopOnExit);
        this.#pump = undefined;
        this.#pumpExited = undefined;
        this.#busy = false;
        const consumer = this.#batchConsumer;
        this.#batchConsumer = undefined;
        const tornDown = this.#closed ? this.#teardown() : undefined;
        // A wait still pending gets an empty batch: it sees the close (or the failure).
        consumer?.([]);
        // A background wait's stop() resolves once the port is closed.
        if (tornDown === undefined) exited();
        else void tornDown.then(exited);
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

  /**
   * One wait of the pump, ref'd like a pending net handle; a timeout posts the interrupt marker.
   * The pump's entries belong to its thread until the batch is back.
   */
  #waitOnPump(timeoutMs: number | undefined): Promise<Completion[]> {
    const pump = this.#ensurePump();
    return new Promise<Completion[]>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.#interruptWait(), timeoutMs);
      this.#busy = true;
      this.#batchConsumer = (completions) => {
        this.#batchConsumer = undefined;
        this.#busy = false;
        clearTimeout(timer);
        pump.unref();
        if (this.#pumpFailure !== undefined && !this.#closed) reject(this.#pumpFailure);
        else resolve(completions);
      };
      pump.ref();
      pump.release();
    });
  }

  /**
   * One turn of the event loop, refusing other waits meanwhile: a wait that finds its events at
   * once must still let timers and other I/O run, or a busy Poll would starve them.
   */
  async #eventLoopTurn(): Promise<void> {
    this.#busy = true;
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      this.#busy = false;
      this.#lastEventLoopTurn = performance.now();
    }
  }

  /**
   * A turn costs libuv's own look at its port, a wineserver round trip: events found at once
   * are served back to back for up to EVENT_LOOP_TURN_MS, unless work of ours that yielded
   * waits for the turn (docs/architecture.md, "One turn of the event loop per millisecond").
   */
  #eventLoopTurnDue(): boolean {
    return workWaitingForNextTurn() > 0 || performance.now() - this.#lastEventLoopTurn >= EVENT_LOOP_TURN_MS;
  }

  /** What the port holds now, without blocking; the entries are this thread's. */
  #dequeueNow(entries: CompletionEntries, limit = entries.capacity): CompletionEntries {
    this.#port.getMany(entries, 0, limit);
    return entries;
  }

  /**
   * Closes the port after every poll in flight has reported back; idempotent. Never blocks for
   * them: polls still out when it returns are reaped in the background (close-drain.ts), and a
   * wait pending at the close resolves once that is over.
   */
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
    void this.#teardown();
  }

  /** Cancels every poll, and closes the port once they reported back; resolves when it is closed. */
  #teardown(): Promise<void> {
    if (this.#teardownDone !== undefined) return this.#teardownDone;
    this.#tornDown = true;
    this.#sockets.cancelAll();
    const entries = (this.#entries ??= new CompletionEntries(64));
    const discard: EventSink = { push: () => undefined };
    const rest = drainCancelledPolls({
      dequeueNow: () => this.#dequeueNow(entries),
      route: (batch) => this.#router.routeAll(batch, discard),
      pending: () => this.#sockets.hasPendingPolls,
      budgetMs: CLOSE_DRAIN_MS,
    });
    const closePort = (): void => {
      // Completions already queued for non-socket owners (pipes) are handed over so they can free.
      this.#router.routeAll(this.#dequeueNow(entries), discard);
      // Owners whose operations are still in flight would never hear back: let them reclaim now.
      this.#router.portClosed();
      const leaked = this.#sockets.closeAll();
      if (leaked > 0) {
        // Never free memory the kernel may still write: leak it, loudly.
        process.emitWarning(`mio-ts: ${leaked} AFD poll(s) did not complete before close; their memory is leaked`);
      }
      entries.free();
      this.#entries = undefined;
      this.#interrupt.free();
      this.#commandMarker.free();
      this.#stopMarker.free();
      this.#remoteHandler = undefined;
      // Another thread may be posting right now: its handle value must not be recycled under it.
      waitForPosters(this.#lifetime);
      this.#port.close();
    };
    if (rest === undefined) {
      closePort();
      this.#teardownDone = Promise.resolve();
    } else this.#teardownDone = rest.then(closePort);
    return this.#teardownDone;
  }

  #interruptWait(): void {
    if (!this.#port.closed) this.#port.post(0n, 0, this.#interrupt.address);
  }

  /**
   * Takes back events from `from` on that were dequeued but never delivered (an aborted wait,
   * an iterator that stopped mid-batch): the next wait returns them first, in order.
   */
  putBack(events: Events, from: number): void {
    this.#parked.putBack(events, from);
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
    if (!(registration instanceof SocketPollRegistration) || registration.polls !== this.#sockets) {
      throw new InvalidArgumentError('the registration belongs to another Poll');
    }
    this.#assertOpen();
    if (registration.state.deletePending && !allowDeleted) throw new NotRegisteredError('the source is not registered');
    return registration.state;
  }

  #assertOpen(): void {
    if (this.#closed) throw new PollClosedError('the Poll is closed');
  }

  #assertNotWaiting(): void {
    if (this.#busy) throw new PollBusyError('a poll is already in progress on this Poll');
  }
}
