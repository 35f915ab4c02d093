// The contract a platform's selector fulfils (mio's sys::Selector). Poll and Registry are
// written against it; src/sys picks the implementation.
import type { Events } from './events.js';
import type { Interest } from './interest.js';
import type { ReadinessBits } from './readiness.js';
import type { Token } from './token.js';

/** A socket's registration inside a selector; opaque to everything above sys. */
export interface SocketRegistration {
  readonly token: Token;
  /** Every readiness reported since registration (a reset shows as READ_CLOSED with WRITE_CLOSED). */
  readonly seenReadiness: ReadinessBits;
}

/** What a Waker needs to reach a selector from any thread: plain data, structured-cloneable. */
export interface WakerTarget {
  readonly port: bigint;
  readonly token: Token;
  /** Shared open/closed state of the port (an Int32Array over a SharedArrayBuffer). */
  readonly lifetime: Int32Array;
}

/** Where another thread posts "commands are waiting" (see RemoteRegistry): plain data. */
export interface RemoteCommandTarget {
  readonly port: bigint;
  readonly marker: bigint;
  /** Shared open/closed state of the port (an Int32Array over a SharedArrayBuffer). */
  readonly lifetime: Int32Array;
}

/** Events delivered by a background wait, in the order they were dequeued. */
export type EventBatch = { token: Token; readiness: ReadinessBits }[];

/** A wait running on its own thread (see Selector.startBackgroundWait). */
export interface BackgroundWait {
  /** Keeps the process alive while waiting (the default). */
  ref(): void;
  /** Lets the process exit while waiting. */
  unref(): void;
  /** Stops waiting; resolves once the waiting thread has exited. */
  stop(): Promise<void>;
  /**
   * Stops waiting but keeps the waiting thread for the selectAsync() that follows; resolves once
   * the wait in flight came back (its events are the next wait's).
   */
  handOver(): Promise<void>;
}

export interface Selector {
  readonly closed: boolean;
  /**
   * A poll has not reported back yet, a deregistered socket's included: its state is freed only
   * once its completion is dequeued, so somebody must still wait.
   */
  readonly pollsInFlight: boolean;
  /** Starts watching a raw socket (a Windows SOCKET). */
  registerSocket(socket: bigint, token: Token, interest: Interest): SocketRegistration;
  reregisterSocket(registration: SocketRegistration, token: Token, interest: Interest): void;
  deregisterSocket(registration: SocketRegistration): void;
  /** Re-arms `interest` (one direction or both) after its owner saw WouldBlock (edge triggering). */
  rearmSocket(registration: SocketRegistration, interest: Interest): void;
  /**
   * A read came back shorter than its buffer without WouldBlock: the socket was drained, and
   * what is still watched on its read side (a peer's close) may be polled for again. Bytes that
   * come after it may then report READABLE (the Windows selector polls for them too: README.md,
   * Wine quirks), a spurious event to a reader that reads on to WouldBlock.
   */
  socketReadDrained(registration: SocketRegistration): void;
  /**
   * Waits on a worker thread and hands each batch of events to `deliver` on this thread (empty
   * when the batch's completions were no events, a cancelled poll's for one). `fail`
   * hears, once, that waiting stopped for good (the port or its thread broke, or a poll could
   * not be issued); no batch follows it.
   */
  startBackgroundWait(deliver: (batch: EventBatch) => void, fail: (error: Error) => void): BackgroundWait;
  /** Blocks the calling thread up to `timeoutMs` (undefined: until an event). */
  select(events: Events, timeoutMs: number | undefined): void;
  /** Waits without blocking the event loop. */
  selectAsync(events: Events, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void>;
  /** Takes back undelivered events of `events` from index `from` on; the next wait returns them first. */
  putBack(events: Events, from: number): void;
  wakerTarget(token: Token): WakerTarget;
  remoteCommandTarget(): RemoteCommandTarget;
  /** Called on the owning thread, inside a wait, whenever another thread posted commands. */
  onRemoteCommands(handler: () => void): void;
  close(): void;
}
