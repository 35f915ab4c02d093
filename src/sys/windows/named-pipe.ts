// mio's NamedPipe on Windows: an overlapped pipe handle driven through the selector's completion
// port. At most one read (into an internal buffer), one write (from a private copy of the caller's
// bytes) and one connect are in flight; their completions arrive as packets whose OVERLAPPED
// address the selector routes back here (CompletionOwner), and each completion turns into a
// readiness event for the registered token.
//
// Memory the kernel owns: every OVERLAPPED and every data buffer handed to ReadFile, WriteFile or
// ConnectNamedPipe is a NativeMemory block owned by this pipe from the call until the completion
// packet for it has been dequeued (or, once the Poll's port is gone, until the kernel has written
// the final status into the OVERLAPPED). Closing or disconnecting never frees such a block early:
// the operation is cancelled and the block is "abandoned", freed when its packet comes back.
//
// Differences from mio 1.x on purpose:
// - the registered interest is respected: no WRITABLE for a READABLE-only registration (#1855);
// - "the call returned TRUE, ERROR_IO_PENDING or ERROR_MORE_DATA" means "a packet WILL come",
//   whatever a peek would say (PR #2004); an outright failure means no packet;
// - no read is scheduled after EOF, and disconnect() abandons every operation of the old
//   connection, so nothing from one client leaks into the next (#1983);
// - close() closes the handle at once and the Poll's teardown reclaims whatever is still in
//   flight (onPortClosed), so neither handles nor buffers leak when a Poll closes first (#1944).
import { InvalidArgumentError, InvalidStateError, SystemError } from '../../core/errors.js';
import type { Interest } from '../../core/interest.js';
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import type { Selector } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import {
  ERROR_ACCESS_DENIED,
  ERROR_BROKEN_PIPE,
  ERROR_IO_PENDING,
  ERROR_MORE_DATA,
  ERROR_NO_DATA,
  ERROR_PIPE_CONNECTED,
  ERROR_PIPE_LISTENING,
  FILE_FLAG_FIRST_PIPE_INSTANCE,
  FILE_FLAG_OVERLAPPED,
  GENERIC_READ,
  GENERIC_WRITE,
  NativeMemory,
  OPEN_EXISTING,
  OVERLAPPED,
  PIPE_ACCESS_DUPLEX,
  PIPE_READMODE_BYTE,
  PIPE_READMODE_MESSAGE,
  PIPE_REJECT_REMOTE_CLIENTS,
  PIPE_TYPE_BYTE,
  PIPE_TYPE_MESSAGE,
  PIPE_WAIT,
  SECURITY_ATTRIBUTES,
  SECURITY_IDENTIFICATION,
  SECURITY_SQOS_PRESENT,
  STATUS_PENDING,
  advapi32,
  kernel32,
  win32Error,
} from './ffi/index.js';
import type { Completion } from './iocp.js';
import { type CompletionOwner, type EventSink, WindowsSelector } from './selector.js';

export type PipeMode = 'byte' | 'message';

/** A server instance, as validated by the public NamedPipe. */
export interface ServerPipeConfig {
  readonly name: string;
  readonly mode: PipeMode;
  /** Internal read buffer and the pipe's kernel buffer sizes. */
  readonly bufferSize: number;
  readonly firstInstance: boolean;
  readonly rejectRemoteClients: boolean;
  readonly currentUserOnly: boolean;
  readonly maxInstances: number;
}

/** A client end, as validated by the public NamedPipe. */
export interface ClientPipeConfig {
  readonly name: string;
  readonly mode: PipeMode;
  readonly bufferSize: number;
}

// ERROR_PIPE_NOT_CONNECTED: what a client's read sees once the server disconnected it.
const ERROR_PIPE_NOT_CONNECTED = 233;
// How long a Poll's teardown waits for cancelled pipe operations before giving up on them.
const PORT_CLOSED_DRAIN_MS = 2_000;
const STATUS_PENDING_BIG = BigInt(STATUS_PENDING);
// A posted readiness packet: readiness in the low byte, the connection's generation above it.
const READINESS_BITS = 0xff;
const GENERATION_SHIFT = 8;
const GENERATION_MASK = 0xff_ffff;

// Completion keys of pipes are odd (AFD handles use even ones): 1, 3, 5, ...
let nextCompletionKey = 1n;

/**
 * One overlapped operation: a single native block laid out as [OVERLAPPED | data]. Owned by the
 * pipe; while `inFlight` the kernel owns it too, until its packet is dequeued.
 */
class PipeOperation {
  readonly kind: 'connect' | 'read' | 'write';
  readonly memory: NativeMemory;
  readonly capacity: number;
  /** Started, and its completion packet not dequeued yet. */
  inFlight = false;
  /** Belongs to a connection or a pipe that is gone: freed when its packet arrives, unread. */
  abandoned = false;

  constructor(kind: 'connect' | 'read' | 'write', capacity: number) {
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

type ReadState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'ready'; start: number; readonly end: number }
  | { readonly kind: 'eof' }
  | { readonly kind: 'error'; readonly error: SystemError };

const IDLE: ReadState = { kind: 'idle' };
const PENDING: ReadState = { kind: 'pending' };
const EOF: ReadState = { kind: 'eof' };

/** A server instance is 'listening' until connect() says a client is there. */
export type PipeConnection = 'listening' | 'connecting' | 'connected';

export class WindowsNamedPipe implements CompletionOwner {
  /** Opens a server instance (CreateNamedPipeW). */
  static createServer(config: ServerPipeConfig): WindowsNamedPipe {
    const openMode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (config.firstInstance ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
    const pipeMode =
      (config.mode === 'message' ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE | PIPE_READMODE_BYTE) |
      PIPE_WAIT |
      (config.rejectRemoteClients ? PIPE_REJECT_REMOTE_CLIENTS : 0);
    const security = config.currentUserOnly ? currentUserSecurity() : undefined;
    let handle: bigint;
    try {
      handle = kernel32.createNamedPipeW(config.name, openMode, pipeMode, config.maxInstances, config.bufferSize, config.bufferSize, 0, security?.attributes.address ?? 0n);
    } catch (error) {
      throw withPath(translateCreateError(error, config.firstInstance), config.name);
    } finally {
      // CreateNamedPipeW copied the descriptor into the pipe object.
      security?.free();
    }
    return new WindowsNamedPipe(handle, true, config.bufferSize);
  }

  /** Opens the client end of an existing pipe (CreateFileW). */
  static openClient(config: ClientPipeConfig): WindowsNamedPipe {
    let handle: bigint;
    try {
      handle = kernel32.createFileW(config.name, GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION);
    } catch (error) {
      throw withPath(error, config.name);
    }
    if (config.mode === 'message') {
      try {
        kernel32.setNamedPipeReadMode(handle, PIPE_READMODE_MESSAGE);
      } catch (error) {
        kernel32.closeHandle(handle);
        throw withPath(error, config.name);
      }
    }
    return new WindowsNamedPipe(handle, false, config.bufferSize);
  }

  readonly isServer: boolean;
  readonly #bufferSize: number;
  #handle: bigint;
  #closed = false;
  #connection: PipeConnection;

  // Association with one Poll's completion port: a handle can be associated only once.
  #selector: WindowsSelector | undefined;
  readonly #key: bigint;
  /** The port was torn down: no packet will ever be dequeued again. */
  #portClosed = false;
  /**
   * The address posted with readiness packets produced outside a completion (register,
   * reregister, a connect that finished synchronously). Owned by the pipe; freed once every
   * packet posted with it has been dequeued (`#markerPosts`), or once the port is gone.
   */
  #marker: NativeMemory | undefined;
  #markerPosts = 0;
  /** Bumped by disconnect(): readiness posted for an older connection is dropped on arrival. */
  #generation = 0;

  #token: Token | undefined;
  #interest: Interest | undefined;

  /** Every operation block alive, by OVERLAPPED address; each is a completion owner entry. */
  readonly #operations = new Map<bigint, PipeOperation>();
  #connectOp: PipeOperation | undefined;
  #readOp: PipeOperation | undefined;
  #writeOp: PipeOperation | undefined;

  #read: ReadState = IDLE;
  #writeLength = 0;
  #writePosition = 0;
  #writeError: SystemError | undefined;
  #connectError: SystemError | undefined;

  private constructor(handle: bigint, isServer: boolean, bufferSize: number) {
    this.#handle = handle;
    this.isServer = isServer;
    this.#bufferSize = bufferSize;
    this.#connection = isServer ? 'listening' : 'connected';
    this.#key = nextCompletionKey;
    nextCompletionKey += 2n;
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

  /** Native blocks this pipe still owns (operations in flight or kept for reuse, and the marker). */
  get liveBlocks(): number {
    return this.#operations.size + (this.#marker === undefined ? 0 : 1);
  }

  // ---- registration

  register(selector: Selector, token: Token, interest: Interest): void {
    const windows = asWindowsSelector(selector);
    this.#assertOpen();
    if (this.registered) throw new InvalidStateError('ERR_ALREADY_REGISTERED', 'the named pipe is already registered with a Poll');
    if (this.#selector !== undefined && this.#selector !== windows) {
      throw new InvalidArgumentError('the named pipe is bound to the completion port of another Poll; a pipe handle can serve one Poll in its lifetime');
    }
    if (this.#selector === undefined) {
      windows.port.associate(this.#handle, this.#key);
      this.#selector = windows;
      this.#marker = new NativeMemory(8);
      windows.addCompletionOwner(this.#marker.address, this);
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
    const op = (this.#connectOp ??= this.#newOperation('connect', 0));
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
    this.#generation = (this.#generation + 1) & GENERATION_MASK;
    this.#read = IDLE;
    this.#writeError = undefined;
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
    if (this.#read.kind === 'idle') this.#startRead();
    const state = this.#readState();
    switch (state.kind) {
      case 'pending':
      case 'idle':
        return WOULD_BLOCK;
      case 'eof':
        // Sticky until disconnect(); no new read is scheduled after EOF.
        return 0;
      case 'error':
        this.#read = IDLE;
        throw state.error;
      case 'ready': {
        const op = this.#readOp as PipeOperation;
        const count = Math.min(target.length, state.end - state.start);
        target.set(op.bytes(state.start, state.start + count));
        state.start += count;
        if (state.start === state.end) {
          this.#read = IDLE;
          this.#startRead();
          // A failure that needs no packet (EOF, error) is announced by a posted event.
          if (this.#read.kind === 'eof' || this.#read.kind === 'error') this.#emit(this.#readReadiness(), undefined);
        }
        return count;
      }
    }
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
    if (this.#writeError !== undefined) {
      const error = this.#writeError;
      this.#writeError = undefined;
      throw error;
    }
    if (this.#writeOp?.inFlight === true) return WOULD_BLOCK;
    if (source.length === 0) return 0;
    let op = this.#writeOp;
    if (op === undefined || op.capacity < source.length) {
      if (op !== undefined) this.#release(op);
      op = this.#newOperation('write', Math.max(source.length, Math.min(this.#bufferSize, 65536)));
      this.#writeOp = op;
    }
    op.bytes(0, source.length).set(source);
    this.#writeLength = source.length;
    this.#writePosition = 0;
    op.prepare();
    const error = kernel32.writeFile(this.#handle, op.data, source.length, op.address);
    if (error === 0 || error === ERROR_IO_PENDING) {
      op.inFlight = true;
      return source.length;
    }
    throw win32Error('WriteFile', error);
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
    for (const op of [...this.#operations.values()]) this.#retire(op);
    this.#connectOp = undefined;
    this.#readOp = undefined;
    this.#writeOp = undefined;
    this.#read = IDLE;
    const handle = this.#handle;
    this.#handle = 0n;
    kernel32.closeHandle(handle);
    if (this.#markerPosts === 0) this.#releaseMarker();
  }

  // ---- CompletionOwner

  onCompletion(completion: Completion, sink: EventSink): void {
    if (this.#marker !== undefined && completion.overlapped === this.#marker.address) {
      this.#markerPosts--;
      if (this.#closed) {
        if (this.#markerPosts === 0) this.#releaseMarker();
      } else if (completion.bytesTransferred >>> GENERATION_SHIFT === this.#generation) {
        this.#emit(completion.bytesTransferred & READINESS_BITS, sink);
      }
      return;
    }
    const op = this.#operations.get(completion.overlapped);
    if (op === undefined) return;
    // The packet is ours now: the kernel no longer touches this block.
    op.inFlight = false;
    if (op.abandoned) {
      this.#release(op);
      return;
    }
    switch (op.kind) {
      case 'read':
        this.#readDone(op, completion, sink);
        return;
      case 'write':
        this.#writeDone(op, completion, sink);
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
    const inFlight = [...this.#operations.values()].filter((op) => op.inFlight);
    if (this.#handle !== 0n) {
      for (const op of inFlight) {
        if (!op.abandoned) cancelQuietly(this.#handle, op.address);
      }
    }
    const deadline = performance.now() + PORT_CLOSED_DRAIN_MS;
    // Alertable, so that Wine can run the APC that completes the operation in this thread.
    while (inFlight.some((op) => op.pendingInKernel) && performance.now() < deadline) kernel32.sleepAlertable(1);
    let leaked = 0;
    for (const op of [...this.#operations.values()]) {
      if (op.inFlight && op.pendingInKernel) {
        // Never free memory the kernel may still write: leak it, loudly.
        leaked++;
        this.#operations.delete(op.address);
        this.#selector?.removeCompletionOwner(op.address);
      } else {
        op.inFlight = false;
        this.#release(op);
      }
    }
    this.#connectOp = undefined;
    this.#readOp = undefined;
    this.#writeOp = undefined;
    this.#read = IDLE;
    this.#markerPosts = 0;
    this.#releaseMarker();
    if (leaked > 0) process.emitWarning(`mio-ts: ${leaked} named-pipe operation(s) did not complete before the Poll closed; their memory is leaked`);
  }

  // ---- completions

  #readDone(op: PipeOperation, completion: Completion, sink: EventSink): void {
    const { error } = kernel32.getOverlappedResult(this.#handle, op.address);
    const bytes = completion.bytesTransferred;
    if (error === 0 || error === ERROR_MORE_DATA) {
      // ERROR_MORE_DATA: part of a message (message mode); the rest comes with the next read.
      if (bytes === 0) {
        // An empty message or a zero-byte read: nothing a reader could tell from EOF; read on.
        this.#read = IDLE;
        if (this.#canIssue()) this.#startRead();
        if (this.#read.kind === 'pending' || this.#read.kind === 'idle') return;
      } else {
        this.#read = { kind: 'ready', start: 0, end: bytes };
      }
    } else if (error === ERROR_BROKEN_PIPE || error === ERROR_PIPE_NOT_CONNECTED) {
      this.#read = EOF;
    } else {
      this.#read = { kind: 'error', error: win32Error('ReadFile', error) };
    }
    this.#emit(this.#readReadiness(), sink);
  }

  #writeDone(op: PipeOperation, completion: Completion, sink: EventSink): void {
    const { error } = kernel32.getOverlappedResult(this.#handle, op.address);
    if (error === 0) {
      this.#writePosition += completion.bytesTransferred;
      const remaining = this.#writeLength - this.#writePosition;
      if (remaining > 0 && completion.bytesTransferred > 0 && this.#canIssue()) {
        // A partial write: send the rest from the same block.
        op.prepare();
        const again = kernel32.writeFile(this.#handle, op.data + BigInt(this.#writePosition), remaining, op.address);
        if (again === 0 || again === ERROR_IO_PENDING) {
          op.inFlight = true;
          return;
        }
        this.#writeError = win32Error('WriteFile', again);
      } else if (remaining > 0) {
        this.#writeError = win32Error('WriteFile', ERROR_NO_DATA);
      }
      // A block grown for one big write is not kept.
      if (op.capacity > Math.max(this.#bufferSize, 65536)) {
        this.#release(op);
        this.#writeOp = undefined;
      }
    } else {
      this.#writeError = win32Error('WriteFile', error);
    }
    this.#emit(Readiness.WRITABLE | (this.#writeError === undefined ? 0 : Readiness.WRITE_CLOSED), sink);
  }

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
    if (this.#read.kind === 'idle') this.#startRead();
    let bits = this.#readReadiness();
    if (this.#writeOp?.inFlight !== true) bits |= Readiness.WRITABLE | (this.#writeError === undefined ? 0 : Readiness.WRITE_CLOSED);
    this.#emit(bits, sink);
  }

  // A call, so that TypeScript does not carry a narrowing of #read across #startRead().
  #readState(): ReadState {
    return this.#read;
  }

  #readReadiness(): ReadinessBits {
    switch (this.#read.kind) {
      case 'ready':
      case 'error':
        return Readiness.READABLE;
      case 'eof':
        return Readiness.READABLE | Readiness.READ_CLOSED;
      default:
        return 0;
    }
  }

  /** Starts the one overlapped read; on an outright failure records it (no packet will come). */
  #startRead(): void {
    if (!this.#canIssue()) return;
    const op = (this.#readOp ??= this.#newOperation('read', this.#bufferSize));
    op.prepare();
    const error = kernel32.readFile(this.#handle, op.data, op.capacity, op.address);
    if (error === 0 || error === ERROR_IO_PENDING || error === ERROR_MORE_DATA) {
      op.inFlight = true;
      this.#read = PENDING;
    } else if (error === ERROR_BROKEN_PIPE || error === ERROR_PIPE_NOT_CONNECTED) {
      this.#read = EOF;
    } else if (error === ERROR_PIPE_LISTENING) {
      this.#read = IDLE;
    } else {
      this.#read = { kind: 'error', error: win32Error('ReadFile', error) };
    }
  }

  /**
   * Delivers readiness to the registered token, limited to the registered interest (ERROR always
   * passes). Inside a completion it goes straight to the sink; outside, a packet carrying the
   * bits is posted with the marker address so the event is delivered inside a poll.
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
    const selector = this.#selector;
    if (selector === undefined || selector.closed || this.#marker === undefined) return;
    // The packet's byte count carries the bits and the connection's generation.
    selector.port.post(this.#key, (wanted | (this.#generation << GENERATION_SHIFT)) >>> 0, this.#marker.address);
    this.#markerPosts++;
  }

  #newOperation(kind: 'connect' | 'read' | 'write', capacity: number): PipeOperation {
    const selector = this.#selector as WindowsSelector;
    const op = new PipeOperation(kind, capacity);
    this.#operations.set(op.address, op);
    selector.addCompletionOwner(op.address, this);
    return op;
  }

  /** Frees a block the kernel is done with. */
  #release(op: PipeOperation): void {
    this.#operations.delete(op.address);
    this.#selector?.removeCompletionOwner(op.address);
    op.memory.free();
  }

  /** Frees an idle block now; cancels one in flight and frees it when its packet arrives. */
  #retire(op: PipeOperation): void {
    if (!op.inFlight) {
      this.#release(op);
      return;
    }
    if (!op.abandoned) {
      op.abandoned = true;
      if (this.#handle !== 0n) cancelQuietly(this.#handle, op.address);
    }
  }

  /** disconnect(): the old connection's operations in flight are abandoned; idle blocks are reused. */
  #abandonInFlight(): void {
    for (const op of [this.#connectOp, this.#readOp, this.#writeOp]) {
      if (op?.inFlight === true) this.#retire(op);
    }
    if (this.#connectOp?.abandoned === true) this.#connectOp = undefined;
    if (this.#readOp?.abandoned === true) this.#readOp = undefined;
    if (this.#writeOp?.abandoned === true) this.#writeOp = undefined;
  }

  #releaseMarker(): void {
    if (this.#marker === undefined) return;
    this.#selector?.removeCompletionOwner(this.#marker.address);
    // Posted packets only carry the address; the kernel never touches the block itself.
    this.#marker.free();
    this.#marker = undefined;
  }

  #canIssue(): boolean {
    return !this.#closed && !this.#portClosed && this.#selector !== undefined && !this.#selector.closed;
  }

  #registeredWith(selector: Selector): void {
    const windows = asWindowsSelector(selector);
    this.#assertOpen();
    if (this.#selector !== undefined && this.#selector !== windows) throw new InvalidArgumentError('the named pipe is registered with another Poll');
    if (!this.registered) throw new InvalidStateError('ERR_NOT_REGISTERED', 'the named pipe is not registered');
  }

  #assertOpen(): void {
    if (this.#closed) throw pipeClosedError();
  }

  #assertUsable(): void {
    this.#assertOpen();
    if (this.#selector === undefined) {
      throw new InvalidStateError('ERR_NOT_REGISTERED', 'register the named pipe with a Poll first: its overlapped I/O completes through that Poll');
    }
    if (this.#portClosed || this.#selector.closed) throw new InvalidStateError('ERR_POLL_CLOSED', 'the Poll this named pipe was registered with is closed');
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

function cancelQuietly(handle: bigint, overlapped: bigint): void {
  try {
    kernel32.cancelIoEx(handle, overlapped);
  } catch {
    // Nothing to cancel, or the handle is going away anyway: the packet still comes.
  }
}

function withPath(error: unknown, path: string): unknown {
  if (error instanceof SystemError) error.path = path;
  return error;
}

/** Like libuv: a name already served (FILE_FLAG_FIRST_PIPE_INSTANCE) is EADDRINUSE. */
function translateCreateError(error: unknown, firstInstance: boolean): unknown {
  if (firstInstance && error instanceof SystemError && error.osCode === ERROR_ACCESS_DENIED) {
    return new SystemError('EADDRINUSE', error.syscall, error.osCode, 'the pipe name is already in use');
  }
  return error;
}

interface PipeSecurity {
  readonly attributes: NativeMemory;
  free(): void;
}

/** SECURITY_ATTRIBUTES whose DACL grants GENERIC_ALL to this process's user and nobody else. */
function currentUserSecurity(): PipeSecurity {
  const sid = advapi32.currentUserSid();
  // D:P — a protected DACL (nothing inherited); one ACE: allow GA to the user's SID.
  const descriptor = advapi32.securityDescriptorFromSddl(`D:P(A;;GA;;;${sid})`);
  const attributes = new NativeMemory(SECURITY_ATTRIBUTES.size);
  attributes.setU32(SECURITY_ATTRIBUTES.length, SECURITY_ATTRIBUTES.size);
  attributes.setU64(SECURITY_ATTRIBUTES.securityDescriptor, descriptor);
  attributes.setU32(SECURITY_ATTRIBUTES.inheritHandle, 0);
  return {
    attributes,
    free: () => {
      attributes.free();
      kernel32.localFree(descriptor);
    },
  };
}
