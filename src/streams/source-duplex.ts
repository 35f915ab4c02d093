// A Node Duplex over a readiness source whose backpressure is the kernel's: reading stops when
// push() says the consumer is full, and because only a WouldBlock (or, on a stream whose traffic
// showed it, a short read) re-arms READABLE, nothing is read again until _read() asks: at most
// one event comes meanwhile, and it reads nothing. The unread bytes stay in the kernel and TCP
// flow control pushes back on the peer. Writes go straight to the socket; WRITABLE is awaited
// only after a WouldBlock.
import { Duplex, type DuplexOptions } from 'node:stream';
import { OutOfRangeError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { nextTurn } from '../core/next-turn.js';
import { Readiness, type ReadinessBits } from '../core/readiness.js';
import type { Source } from '../poll/source.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { Driver } from './driver.js';
import type { DriverRegistration } from './driver-registration.js';

/** What a SourceDuplex needs from a byte-stream source. */
export interface ByteChannel extends Source {
  /**
   * Bytes read, 0 at the end, or WouldBlock. With `rearmWhenShort` a channel that can (see
   * shortReadRearms) re-arms READABLE after a read that left room in `buffer`.
   */
  read(buffer: Uint8Array, rearmWhenShort?: boolean): number | WouldBlock;
  /** True when read(buffer, true) re-arms READABLE after a short read (a TCP stream). */
  readonly shortReadRearms?: boolean;
  write(buffer: Uint8Array): number | WouldBlock;
  /**
   * Half-close: no more writes from this side. Throws the failure of a write that failed after
   * write() took it (a pipe's EPIPE): end() reports it.
   */
  shutdownWrite(): void;
  /** A pending connect failure (after an error event), if any. */
  takeError(): Error | undefined;
  /**
   * For channels whose write() only queues (named pipes): true while bytes are still on their
   * way. end() waits for WRITABLE until it says false, so nothing written is lost.
   */
  writeInFlight?(): boolean;
  close(): void;
}

export interface SourceDuplexOptions extends DuplexOptions {
  driver?: Driver;
  /**
   * Bytes per read. By default 64 KiB, into a buffer the thread's streams share (a stream holds
   * no read buffer between reads); any other size gets a buffer of the stream's own.
   */
  readChunkSize?: number;
  /** Reads per readiness event before yielding to other sources. */
  maxReadsPerEvent?: number;
}

const READ_READY = Readiness.READABLE | Readiness.READ_CLOSED;
const DEFAULT_CHUNK = 64 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;
const DEFAULT_READS_PER_EVENT = 32;
/** A stream whose short reads end its turns still reads on after every so many of them. */
const SHORT_STOPS_PER_PROBE = 8;
const MAX_READS_PER_EVENT = 1024;

/** An integer option within [min, max], or the default when absent; OutOfRangeError otherwise. */
function integerOption(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OutOfRangeError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * The read buffer of this thread's streams at the default size. Safe to share: a read is copied
 * out of it or takes it along before the next read, and reads never run inside one another.
 */
let sharedReadBuffer: Buffer | undefined;

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

/**
 * Reads into memory of the user's instead of the stream's chunks (net's `onread`): `buffer()`
 * is where the next read goes, and `deliver()` takes each read in place of a push.
 */
export interface UserReads {
  buffer(): Uint8Array;
  deliver(bytes: number, buffer: Uint8Array): void;
}

export class SourceDuplex extends Duplex {
  readonly driver: Driver;
  #channel: ByteChannel | undefined;
  #registration: DriverRegistration | undefined;
  #connecting = false;
  #wantRead = false;
  #reading = false;
  /** A read ran into WouldBlock (or re-armed at a short read), so READABLE is armed: only its event resumes reading. */
  #awaitingReadable = false;
  /**
   * Learned per stream: true once a read after a short read found nothing (request/response
   * traffic), so a short read ends the turn and the WouldBlock read is saved. A read after a
   * short read that finds bytes, or a read that fills its buffer, sets it back (a stream that
   * keeps receiving must read on, or it falls behind: docs/architecture.md).
   */
  #shortReadEnds = false;
  #shortStopsSinceProbe = 0;
  #readScheduled = false;
  #pendingWrite: PendingWrite | undefined;
  #pendingFinal: ((error?: Error | null) => void) | undefined;
  #refd = true;
  /** A buffer of the stream's own, for a readChunkSize other than the shared default. */
  #readBuffer: Buffer | undefined;
  readonly #chunkSize: number;
  readonly #readsPerEvent: number;
  bytesRead = 0;
  /** Set by a subclass to read into the user's memory; nothing is pushed then but the end. */
  protected userReads: UserReads | undefined;
  /** Bytes the channel took; bytesWritten adds what is still queued. */
  #bytesSent = 0;

  constructor(options: SourceDuplexOptions = {}) {
    const { driver, readChunkSize, maxReadsPerEvent, ...duplexOptions } = options;
    // Checked before anything is opened: 0 or NaN reads would spin or end every stream at once.
    const chunkSize = integerOption('readChunkSize', readChunkSize, 1, MAX_CHUNK, DEFAULT_CHUNK);
    const readsPerEvent = integerOption('maxReadsPerEvent', maxReadsPerEvent, 1, MAX_READS_PER_EVENT, DEFAULT_READS_PER_EVENT);
    super({ allowHalfOpen: false, ...duplexOptions });
    this.driver = driver ?? Driver.shared();
    this.#chunkSize = chunkSize;
    this.#readsPerEvent = readsPerEvent;
  }

  /** Bytes accepted by write(): sent, or still queued in this stream (net's bytesWritten). */
  get bytesWritten(): number {
    // writableLength holds the chunk being written until its callback, sent part included.
    // Read on the prototype itself (no instance behind it), as node's getter allows.
    if (!(#bytesSent in this)) return undefined as unknown as number;
    return this.#bytesSent + this.writableLength - (this.#pendingWrite?.offset ?? 0);
  }

  /** The channel, once attached. */
  protected get channel(): ByteChannel | undefined {
    return this.#channel;
  }

  protected get connecting(): boolean {
    return this.#connecting;
  }

  /** Starts driving `channel`; `connecting` waits for its first WRITABLE (or error). */
  protected attach(channel: ByteChannel, connecting: boolean): void {
    // The counters are per connection: a socket connected again starts from zero, as net's.
    this.#bytesSent = 0;
    this.bytesRead = 0;
    this.#channel = channel;
    this.#connecting = connecting;
    this.#registration = this.driver.register(
      channel,
      Interest.READABLE.add(Interest.WRITABLE),
      (readiness) => this.#onReadiness(readiness),
      // No readiness will come any more: the stream cannot go on (docs/architecture.md, Driver).
      (error) => this.destroy(error),
    );
    this.#updateRetain();
  }

  /** Called once a connecting channel is connected. */
  protected onConnected(): void {
    // For subclasses: emit 'connect' and friends.
  }

  ref(): this {
    this.#refd = true;
    this.#updateRetain();
    return this;
  }

  unref(): this {
    this.#refd = false;
    this.#updateRetain();
    return this;
  }

  override _read(): void {
    this.#wantRead = true;
    this.#updateRetain();
    // Armed after a WouldBlock: reading now would only ask the kernel again for nothing.
    if (this.#awaitingReadable) return;
    // Never read synchronously here: Node calls _read() again from inside push() and from its
    // own nextTick loops, and a socket that always has data would never give the event loop
    // (and every other connection) a turn.
    this.#scheduleRead();
  }

  #scheduleRead(): void {
    if (this.#readScheduled) return;
    this.#readScheduled = true;
    nextTurn(() => {
      this.#readScheduled = false;
      if (this.#wantRead && this.#channel !== undefined && !this.#connecting) this.#readLoop();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.onActivity();
    this.#pendingWrite = { data: chunk, offset: 0, callback };
    this.#service();
    this.#updateRetain();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const data = chunks.length === 1 ? (chunks[0] as { chunk: Buffer }).chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this._write(data, 'binary', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#pendingFinal = callback;
    this.#service();
    this.#updateRetain();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const channel = this.#channel;
    const registration = this.#registration;
    const wasConnecting = this.#connecting;
    this.#channel = undefined;
    this.#registration = undefined;
    this.#wantRead = false;
    this.#connecting = false;
    // A socket may connect again after its close (net.Socket#connect): nothing carries over.
    this.#awaitingReadable = false;
    const pending = this.#pendingWrite;
    this.#pendingWrite = undefined;
    this.#pendingFinal = undefined;
    registration?.close();
    channel?.close();
    this.#updateRetain();
    pending?.callback(this.abortedWriteError(wasConnecting));
    callback(error);
  }

  /** The error a queued write's callback gets when the stream is destroyed under it. */
  protected abortedWriteError(connecting: boolean): Error {
    return new Error(connecting ? 'the stream was destroyed before it connected' : 'the stream was destroyed before the write finished');
  }

  /**
   * The one place queued write work moves on: the pending write goes out, and once nothing is
   * left to write (and the channel has nothing in flight) the pending end shuts the write side.
   * Work queued while connecting waits here until the connect is through; every WRITABLE comes
   * back here.
   */
  #service(): void {
    const channel = this.#channel;
    if (channel === undefined || this.#connecting || this.destroyed) return;
    if (this.#pendingWrite !== undefined && !this.#flush(channel)) return;
    const final = this.#pendingFinal;
    // Bytes still on their way: the next WRITABLE brings us back.
    if (final === undefined || channel.writeInFlight?.() === true) return;
    this.#pendingFinal = undefined;
    try {
      channel.shutdownWrite();
    } catch (error) {
      // A write that failed in flight (EPIPE) surfaces here: it ends the stream with that error.
      this.#updateRetain();
      final(error as Error);
      return;
    }
    this.#updateRetain();
    // The shutdown is done, but 'finish' (and the close that follows) must not run inside the
    // caller's end(): net reports its shutdown request asynchronously.
    process.nextTick(final);
  }

  #onReadiness(readiness: ReadinessBits): void {
    const channel = this.#channel;
    if (channel === undefined) return;
    if (this.#connecting) {
      if ((readiness & (Readiness.WRITABLE | Readiness.ERROR | Readiness.WRITE_CLOSED)) === 0) return;
      const error = channel.takeError();
      if (error !== undefined) {
        this.destroy(error);
        return;
      }
      this.#connected();
      return;
    }
    if ((readiness & READ_READY) !== 0) {
      // The edge is consumed whether or not we read now: _read() must not wait for another.
      this.#awaitingReadable = false;
      if (this.#wantRead) this.#readLoop();
    }
    if ((readiness & (Readiness.WRITABLE | Readiness.WRITE_CLOSED)) !== 0) this.#service();
  }

  /** For channels that connect without a readiness event (a pipe that was already connected). */
  protected markConnected(): void {
    if (!this.#connecting || this.destroyed) return;
    this.#connected();
  }

  #connected(): void {
    this.#connecting = false;
    this.#updateRetain();
    try {
      this.onConnected();
    } finally {
      // A throwing 'connect' listener must not stall the socket: the queued work goes on.
      this.#service();
      if (!this.destroyed && this.#wantRead) this.#readLoop();
      this.#updateRetain();
    }
  }

  /**
   * Stops reading until _read() is called again: with user reads nothing is pushed, so the
   * Readable's own backpressure never stops them, pause() has to.
   */
  protected stopReading(): void {
    this.#wantRead = false;
    this.#updateRetain();
  }

  /** Ends the readable side from outside the read loop (a pipe closing itself after end()). */
  protected endReadable(): void {
    if (this.readableEnded || this.destroyed) return;
    this.#wantRead = false;
    this.#updateRetain();
    this.#pushEnd();
  }

  /**
   * The end of the data. Nothing may be reading (a socket read eagerly, as net's are), so a
   * read(0) lets 'end' out at once when nothing is buffered, instead of at the next read().
   */
  #pushEnd(): void {
    this.push(null);
    if (!this.destroyed) this.read(0);
  }

  /** Called on every read and write, for idle timers. */
  protected onActivity(): void {
    // For subclasses.
  }

  #readLoop(): void {
    if (this.#reading) return;
    this.#reading = true;
    try {
      let afterShortRead = false;
      for (let i = 0; i < this.#readsPerEvent; i++) {
        const channel = this.#channel;
        if (channel === undefined || !this.#wantRead) return;
        const user = this.userReads;
        const buffer = user !== undefined ? user.buffer() : this.#ownReadBuffer();
        const rearmWhenShort = this.#shortReadEnds && channel.shortReadRearms === true;
        const n = channel.read(buffer, rearmWhenShort);
        // WouldBlock re-armed READABLE: the next event resumes us.
        if (n === WOULD_BLOCK) {
          if (afterShortRead) this.#shortReadEnds = true;
          this.#awaitingReadable = true;
          return;
        }
        if (n === 0) {
          this.#wantRead = false;
          this.#pushEnd();
          return;
        }
        this.bytesRead += n;
        this.onActivity();
        const short = n < buffer.length;
        if (afterShortRead || !short) this.#shortReadEnds = false;
        afterShortRead = short;
        // The short read re-armed READABLE: after this chunk only its event resumes us.
        const turnEnds = short && rearmWhenShort;
        if (turnEnds) {
          this.#awaitingReadable = true;
          // Now and then a stream reads on anyway, to learn whether bytes keep coming.
          if (++this.#shortStopsSinceProbe >= SHORT_STOPS_PER_PROBE) {
            this.#shortStopsSinceProbe = 0;
            this.#shortReadEnds = false;
          }
        }
        if (user !== undefined) {
          // The user pauses (or destroys) from deliver(); the loop's checks see it.
          user.deliver(n, buffer);
          if (turnEnds) return;
          continue;
        }
        let chunk: Buffer;
        if (n > buffer.length / 2) {
          // Mostly full: hand the buffer over rather than copy it.
          chunk = Buffer.from(buffer.buffer, buffer.byteOffset, n);
          this.#handedOver(buffer);
        } else {
          chunk = Buffer.from(buffer.subarray(0, n));
        }
        // False: the consumer is full. Stop without re-arming; _read() resumes us.
        if (!this.push(chunk)) {
          this.#wantRead = false;
          return;
        }
        if (turnEnds) return;
      }
      // Still readable after a full round: yield to other sources, then continue.
      this.#scheduleRead();
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#reading = false;
      this.#updateRetain();
    }
  }

  /** Where the next read goes when the user gives no memory: the thread's buffer at the default size. */
  #ownReadBuffer(): Buffer {
    if (this.#chunkSize === DEFAULT_CHUNK) return (sharedReadBuffer ??= Buffer.allocUnsafe(DEFAULT_CHUNK));
    return (this.#readBuffer ??= Buffer.allocUnsafe(this.#chunkSize));
  }

  /** `buffer` went to the consumer with its bytes: the next read needs a new one. */
  #handedOver(buffer: Uint8Array): void {
    if (buffer === sharedReadBuffer) sharedReadBuffer = undefined;
    else this.#readBuffer = undefined;
  }

  /** Writes the pending write on: true once it is all written and its callback called. */
  #flush(channel: ByteChannel): boolean {
    const pending = this.#pendingWrite as PendingWrite;
    try {
      while (pending.offset < pending.data.length) {
        const n = channel.write(pending.offset === 0 ? pending.data : pending.data.subarray(pending.offset));
        // WouldBlock re-armed WRITABLE: the next event resumes us.
        if (n === WOULD_BLOCK) return false;
        pending.offset += n;
        this.#bytesSent += n;
      }
    } catch (error) {
      this.#pendingWrite = undefined;
      this.#updateRetain();
      pending.callback(error as Error);
      return false;
    }
    this.#pendingWrite = undefined;
    this.#updateRetain();
    pending.callback();
    return true;
  }

  /**
   * Like a libuv handle, a socket keeps the process alive only while it has work: connecting,
   * reading on request, or writes and a shutdown still to go. An idle or paused socket does not.
   */
  #updateRetain(): void {
    const busy = this.#connecting || this.#wantRead || this.#pendingWrite !== undefined || this.#pendingFinal !== undefined;
    this.#registration?.hold(this.#refd && busy);
  }
}
