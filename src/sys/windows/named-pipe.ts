// mio's NamedPipe on Windows: an overlapped pipe handle driven through the selector's completion
// port. At most one read (PipeReader, into an internal buffer), one write (PipeWriter, from a
// private copy of the caller's bytes) and one connect are in flight; their completions arrive as
// packets whose OVERLAPPED address the selector routes back here (CompletionOwner), and each
// completion turns into a readiness event for the registered token. Handles are opened by
// pipe-open.ts; readiness found outside a completion is posted in pipe-readiness-packet.ts's format.
//
// Memory the kernel owns: every OVERLAPPED and every data buffer handed to ReadFile, WriteFile or
// ConnectNamedPipe is a NativeMemory block (PipeOperation) owned by this pipe from the call until
// the completion packet for it has been dequeued (or, once the Poll's port is gone, until the
// kernel has written the final status into the OVERLAPPED). Closing or disconnecting never frees
// such a block early: the operation is cancelled and the block is "abandoned", freed when its
// packet comes back.
//
// Differences from mio 1.x on purpose:
// - the registered interest is respected: no WRITABLE for a READABLE-only registration (#1855);
// - "the call returned TRUE, ERROR_IO_PENDING or ERROR_MORE_DATA" means "a packet WILL come",
//   whatever a peek would say (PR #2004); an outright failure means no packet;
// - no read is scheduled after EOF, and disconnect() abandons every operation of the old
//   connection, so nothing from one client leaks into the next (#1983);
// - close() closes the handle at once and the Poll's teardown reclaims whatever is still in
//   flight (onPortClosed), so neither handles nor buffers leak when a Poll closes first (#1944).
import { AlreadyRegisteredError, InvalidArgumentError, InvalidStateError, NotRegisteredError, PollClosedError, SystemError } from '../../core/errors.js';
import type { Interest } from '../../core/interest.js';
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import type { Selector } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import { ERROR_IO_PENDING, ERROR_NO_DATA, ERROR_PIPE_CONNECTED, ERROR_PIPE_LISTENING, kernel32, win32Error } from './ffi/index.js';
import type { Completion } from './iocp.js';
import { createServerPipeHandle, openClientPipeHandle, type ClientPipeConfig, type ServerPipeConfig } from './pipe-open.js';
import { PipeOperations, type PipeOperation, type PipeOperationHost } from './pipe-operation.js';
import { PostedReadiness } from './pipe-readiness-packet.js';
import { ERROR_PIPE_NOT_CONNECTED, PipeReader } from './pipe-reader.js';
import { PipeWriter } from './pipe-writer.js';
import { type CompletionOwner, type EventSink, WindowsSelector } from './selector.js';

export type { ClientPipeConfig, PipeMode, ServerPipeConfig } from './pipe-open.js';

// Completion keys of pipes are odd (AFD handles use even ones): 1, 3, 5, ...
let nextCompletionKey = 1n;

/** A server instance is 'listening' until connect() says a client is there. */
export type PipeConnection = 'listening' | 'connecting' | 'connected';

export class WindowsNamedPipe implements CompletionOwner {
  /** Opens a server instance (CreateNamedPipeW). */
  static createServer(config: ServerPipeConfig): WindowsNamedPipe {
    return new WindowsNamedPipe(createServerPipeHandle(config), true, config.bufferSize);
  }

  /** Opens the client end of an existing pipe (CreateFileW). */
  static openClient(config: ClientPipeConfig): WindowsNamedPipe {
    return new WindowsNamedPipe(openClientPipeHandle(config), false, config.bufferSize);
  }

  readonly isServer: boolean;
  #handle: bigint;
  #closed = false;
  #connection: PipeConnection;

  // Association with one Poll's completion port: a handle can be associated only once.
  #selector: WindowsSelector | undefined;
  readonly #key: bigint;
  /** The port was torn down: no packet will ever be dequeued again. */
  #portClosed = false;
  /** Readiness found outside a completion goes through the port this way (made by register). */
  #posted: PostedReadiness | undefined;

  #token: Token | undefined;
  #interest: Interest | undefined;

  readonly #operations = new PipeOperations(this, () => this.#selector);
  #connectOp: PipeOperation | undefined;
  readonly #reader: PipeReader;
  readonly #writer: PipeWriter;
  #connectError: SystemError | undefined;

  private constructor(handle: bigint, isServer: boolean, bufferSize: number) {
    this.#handle = handle;
    this.isServer = isServer;
    this.#connection = isServer ? 'listening' : 'connected';
    this.#key = nextCompletionKey;
    nextCompletionKey += 2n;
    const handleOf = (): bigint => this.#handle;
    const host: PipeOperationHost = {
      get handle() {
        return handleOf();
      },
      canIssue: () => this.#canIssue(),
      newOperation: (kind, capacity) => this.#operations.create(kind, capacity),
      release: (op) => this.#operations.release(op),
    };
    this.#reader = new PipeReader(host, bufferSize, (readiness) => this.#emit(readiness, undefined));
    this.#writer = new PipeWriter(host, bufferSize);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connection(): PipeConnection {
    return this.#connection;
  }

  get registered(): boolean {
    return this.#token !== undefined && this.#selector?.closed === false;
  }

  /** Bytes handed to write() are still on their way (WRITABLE follows when they are through). */
  get writeInFlight(): boolean {
    return this.#writer.inFlight;
  }

  /** Native blocks this pipe still owns (operations in flight or kept for reuse, and the marker). */
  get liveBlocks(): number {
    return this.#operations.size + (this.#posted?.live === true ? 1 : 0);
  }
  // ---- registration

  register(selector: Selector, token: Token, interest: Interest): void {
    const windows = asWindowsSelector(selector);
    this.#assertOpen();
    if (this.registered) throw new AlreadyRegisteredError('the named pipe is already registered with a Poll');
    if (this.#selector !== undefined && this.#selector !== windows) {
      throw new InvalidArgumentError('the named pipe is bound to the completion port of another Poll; a pipe handle can serve one Poll in its lifetime');
    }
    if (this.#selector === undefined) {
      windows.port.associate(this.#handle, this.#key);
      this.#selector = windows;
      this.#posted = new PostedReadiness(windows, this.#key, this);
    }
    this.#token = token;
    this.#interest = interest;
    this.#refresh(undefined);
  }

  reregister(selector: Selector, token: Token, interest: Interest): void {
    this.#registeredWith(selector);
    this.#token = token;
    this.#interest = interest;
    this.#refresh(undefined);
  }

  deregister(selector: Selector): void {
    this.#registeredWith(selector);
    // Operations in flight keep going; their completions just produce no events.
    this.#token = undefined;
    this.#interest = undefined;
  }

  // ---- I/O

  /** Server: waits for a client. Returns WOULD_BLOCK while one is awaited (then WRITABLE fires). */
  connect(): undefined | WouldBlock {
    this.#assertUsable();
    if (!this.isServer) throw new InvalidStateError('ERR_PIPE_NOT_SERVER', 'connect() is for server instances (NamedPipe.create)');
    if (this.#connection === 'connected') return undefined;
    if (this.#connection === 'connecting') return WOULD_BLOCK;
    const op = (this.#connectOp ??= this.#operations.create('connect', 0));
    op.prepare();
    const error = kernel32.connectNamedPipe(this.#handle, op.address);
    if (error === 0 || error === ERROR_IO_PENDING) {
      // A packet will come (also for a synchronous success: the port is not in skip mode).
      op.inFlight = true;
      this.#connection = 'connecting';
      return WOULD_BLOCK;
    }
    // A client connected already (and maybe left again: ERROR_NO_DATA); no packet comes.
    if (error === ERROR_PIPE_CONNECTED || error === ERROR_NO_DATA) {
      this.#connection = 'connected';
      this.#refresh(undefined);
      return undefined;
    }
    throw win32Error('ConnectNamedPipe', error);
  }

  /**
   * Server: drops the client. Every operation of that connection is cancelled and abandoned, the
   * read and write state is reset, so the next connect() starts clean.
   */
  disconnect(): void {
    this.#assertOpen();
    if (!this.isServer) throw new InvalidStateError('ERR_PIPE_NOT_SERVER', 'disconnect() is for server instances (NamedPipe.create)');
    this.#abandonInFlight();
    this.#posted?.nextConnection();
    this.#reader.reset();
    this.#writer.reset();
    this.#connectError = undefined;
    this.#connection = 'listening';
    try {
      kernel32.disconnectNamedPipe(this.#handle);
    } catch (error) {
      // Nobody is connected (any more): already the state we want. Windows succeeds here; Wine
      // says ERROR_PIPE_NOT_CONNECTED for an instance whose client left or that was disconnected.
      if (!(error instanceof SystemError && (error.osCode === ERROR_PIPE_LISTENING || error.osCode === ERROR_PIPE_NOT_CONNECTED))) throw error;
    }
  }

  /** Bytes read, 0 at end of stream, or WOULD_BLOCK (READABLE fires when data comes). */
  read(target: Uint8Array): number | WouldBlock {
    this.#assertUsable();
    this.#assertConnectedServer();
    if (this.#connection === 'connecting') return WOULD_BLOCK;
    return this.#reader.read(target);
  }

  /**
   * Copies `source` into a native buffer, starts the write and reports every byte written; while
   * it is in flight the next write returns WOULD_BLOCK (WRITABLE fires when it is done). A failure
   * of a write in flight is thrown by the next write.
   */
  write(source: Uint8Array): number | WouldBlock {
    this.#assertUsable();
    this.#assertConnectedServer();
    if (this.#connection === 'connecting') return WOULD_BLOCK;
    return this.#writer.write(source);
  }

  /** The failure of the last write in flight, once (the next write() would throw it otherwise). */
  takeWriteError(): SystemError | undefined {
    return this.#writer.takeError();
  }

  /** The error of a failed connect, once. */
  takeError(): SystemError | undefined {
    const error = this.#connectError;
    this.#connectError = undefined;
    return error;
  }

  /**
   * Closes the handle at once. Operations in flight (a write included: close is immediate, like
   * destroy; wait for WRITABLE first to be sure the peer got everything) are cancelled; their
   * blocks are freed when their packets come back, or by the Poll's teardown.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#token = undefined;
    this.#interest = undefined;
    this.#operations.retireAll(this.#handle);
    this.#forgetOperations();
    const handle = this.#handle;
    this.#handle = 0n;
    kernel32.closeHandle(handle);
    this.#posted?.releaseWhenIdle();
  }

  // ---- CompletionOwner

  onCompletion(completion: Completion, sink: EventSink): void {
    if (this.#posted?.owns(completion.overlapped) === true) {
      const readiness = this.#posted.arrived(completion.bytesTransferred, this.#closed);
      if (readiness !== undefined) this.#emit(readiness, sink);
      return;
    }
    const op = this.#operations.get(completion.overlapped);
    if (op === undefined) return;
    // The packet is ours now: the kernel no longer touches this block.
    op.inFlight = false;
    if (op.abandoned) {
      this.#operations.release(op);
      return;
    }
    switch (op.kind) {
      case 'read':
        this.#emit(this.#reader.complete(op, completion), sink);
        return;
      case 'write':
        this.#emit(this.#writer.complete(op, completion), sink);
        return;
      case 'connect':
        this.#connectDone(op, sink);
        return;
    }
  }

  /**
   * The Poll's port is being torn down: no packet will be dequeued any more. Cancel what is in
   * flight, wait (bounded) until the kernel has written each final status, then free. The
   * handle stays open until close(); the pipe cannot do I/O any more (its handle is bound to
   * that port for life).
   */
  onPortClosed(): void {
    if (this.#portClosed) return;
    this.#portClosed = true;
    this.#token = undefined;
    this.#interest = undefined;
    const leaked = this.#operations.reclaimAfterPortClosed(this.#handle);
    this.#forgetOperations();
    this.#posted?.release();
    if (leaked > 0) process.emitWarning(`mio-ts: ${leaked} named-pipe operation(s) did not complete before the Poll closed; their memory is leaked`);
  }

  // ---- completions

  #connectDone(op: PipeOperation, sink: EventSink): void {
    const { error } = kernel32.getOverlappedResult(this.#handle, op.address);
    if (error === 0 || error === ERROR_PIPE_CONNECTED || error === ERROR_NO_DATA) {
      this.#connection = 'connected';
      this.#refresh(sink);
      return;
    }
    this.#connection = 'listening';
    this.#connectError = win32Error('ConnectNamedPipe', error);
    this.#emit(Readiness.ERROR | Readiness.READABLE | Readiness.WRITABLE, sink);
  }

  // ---- internals

  /**
   * mio's post_register: starts a read if none is going, and reports what is ready now (buffered
   * data or EOF, a free write slot), limited to the registered interest.
   */
  #refresh(sink: EventSink | undefined): void {
    if (!this.#canIssue() || this.#connection !== 'connected') return;
    this.#reader.startIfIdle();
    this.#emit(this.#reader.readiness() | this.#writer.readiness(), sink);
  }

  /**
   * Delivers readiness to the registered token, limited to the registered interest (ERROR always
   * passes). Inside a completion it goes straight to the sink; outside, a packet carrying the
   * bits is posted (PostedReadiness) so the event is delivered inside a poll.
   */
  #emit(bits: ReadinessBits, sink: EventSink | undefined): void {
    const token = this.#token;
    const interest = this.#interest;
    if (bits === 0 || token === undefined || interest === undefined || this.#closed) return;
    let mask: number = Readiness.ERROR;
    if (interest.isReadable()) mask |= Readiness.READABLE | Readiness.READ_CLOSED;
    if (interest.isWritable()) mask |= Readiness.WRITABLE | Readiness.WRITE_CLOSED;
    const wanted = bits & mask;
    if (wanted === 0) return;
    if (sink !== undefined) {
      sink.push(token, wanted);
      return;
    }
    this.#posted?.post(wanted);
  }

  /** disconnect(): the old connection's operations in flight are abandoned; idle blocks are reused. */
  #abandonInFlight(): void {
    for (const op of [this.#connectOp, this.#reader.operation, this.#writer.operation]) {
      if (op?.inFlight === true) this.#operations.retire(op, this.#handle);
    }
    if (this.#connectOp?.abandoned === true) this.#connectOp = undefined;
  }

  /** close() or the port's teardown released or abandoned every block: none is reused. */
  #forgetOperations(): void {
    this.#connectOp = undefined;
    this.#reader.forget();
    this.#writer.forget();
  }

  #canIssue(): boolean {
    return !this.#closed && !this.#portClosed && this.#selector !== undefined && !this.#selector.closed;
  }

  #registeredWith(selector: Selector): void {
    const windows = asWindowsSelector(selector);
    this.#assertOpen();
    if (this.#selector !== undefined && this.#selector !== windows) throw new InvalidArgumentError('the named pipe is registered with another Poll');
    if (!this.registered) throw new NotRegisteredError('the named pipe is not registered');
  }

  #assertOpen(): void {
    if (this.#closed) throw pipeClosedError();
  }

  #assertUsable(): void {
    this.#assertOpen();
    if (this.#selector === undefined) {
      throw new NotRegisteredError('register the named pipe with a Poll first: its overlapped I/O completes through that Poll');
    }
    if (this.#portClosed || this.#selector.closed) throw new PollClosedError('the Poll this named pipe was registered with is closed');
  }

  #assertConnectedServer(): void {
    if (this.#connection === 'listening') throw new InvalidStateError('ERR_PIPE_NOT_CONNECTED', 'no client is connected: call connect() first');
  }
}

export function pipeClosedError(): InvalidStateError {
  return new InvalidStateError('ERR_PIPE_CLOSED', 'the named pipe is closed');
}

function asWindowsSelector(selector: Selector): WindowsSelector {
  if (!(selector instanceof WindowsSelector)) throw new InvalidArgumentError('named pipes need the Windows selector of a mio-ts Poll');
  return selector;
}
