// TCP sends whose rest stays ours. A non-blocking send the kernel takes only in part is reported
// whole by Wine 10, which keeps the rest in a queue of its own that says nothing when it is out,
// and drops it once it sees the peer's FIN (README.md, Wine quirks). An overlapped send keeps the
// rest as an operation of ours instead: its status block says how many bytes went, and what did
// not go is sent again. While a send is out, further sends are WouldBlock; Wine reports the
// socket writable only once the send is done, which is when the owner looks again.
//
// Memory: a send's bytes are copied into a native block (status block, WSABUF, bytes) that
// belongs to Winsock from WSASend until the status block leaves STATUS_PENDING. Only then is it
// reused, given back to the shared blocks of large sends (send-blocks.ts) or freed; a socket
// closed with a send still out hands its block to the reaper below.
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import { SendBlocks } from './send-blocks.js';
import { ERROR_IO_PENDING, NativeMemory, SOCKET_ERROR, STATUS_PENDING, WSAEWOULDBLOCK, ntStatusError, ntdll, win32Error, ws2_32 } from './ffi/index.js';

// OVERLAPPED: Internal (the NTSTATUS), InternalHigh (bytes), Offset, OffsetHigh, hEvent.
const STATUS = 0;
const BYTES = 8;
const OVERLAPPED_SIZE = 32;
// WSABUF: ULONG len, then (aligned) CHAR *buf.
const WSABUF = OVERLAPPED_SIZE;
const HEADER = WSABUF + 16;
/**
 * Bytes one send takes at most: a block per connection stays small however big the write, and a
 * send larger than the room in the socket's buffer would stay pending, its link waiting a round
 * of the port while others go on (docs/architecture.md, "Sends are cut to 64 KiB").
 */
const MAX_SEND = 64 * 1024;
/** A block this small is kept by its socket for the next send; a larger send takes a shared block. */
const KEPT_BLOCK = HEADER + 16 * 1024;
/** The blocks of sends larger than KEPT_BLOCK allows, shared by this thread's sockets. */
export const largeSendBlocks = new SendBlocks(HEADER + MAX_SEND);
const REAP_MS = 50;
// WSASend's count of bytes sent at once: one array for every call (they never overlap on a thread).
const sentNow = new Uint32Array(1);

type Started = 'done' | 'pending' | 'would-block';

interface Operation {
  block: NativeMemory;
  length: number;
  /** Bytes known to be sent. */
  sent: number;
  /** The rest must still be handed to Winsock (it said WouldBlock last time). */
  restart: boolean;
}

export class OverlappedSender {
  #operation: Operation | undefined;
  #spare: NativeMemory | undefined;

  /** Bytes taken (up to MAX_SEND), or WOULD_BLOCK while an earlier send is still going out. */
  send(socket: bigint, data: Uint8Array): number | WouldBlock {
    if (this.inFlight(socket)) return WOULD_BLOCK;
    const length = Math.min(data.length, MAX_SEND);
    const block = this.#blockFor(length);
    block.bytes.set(data.subarray(0, length), HEADER);
    const operation: Operation = { block, length, sent: 0, restart: false };
    const started = this.#start(socket, operation);
    if (started === 'would-block' && operation.sent === 0) {
      this.#recycle(block);
      return WOULD_BLOCK;
    }
    // Taken: what is not sent yet is ours to send (the owner hears WouldBlock until it is).
    if (started === 'done') this.#recycle(block);
    else this.#operation = operation;
    return length;
  }

  /** True while bytes of an earlier send are still going out; a send that stopped short goes on. */
  inFlight(socket: bigint): boolean {
    const operation = this.#operation;
    if (operation === undefined) return false;
    for (;;) {
      if (!operation.restart) {
        const status = operation.block.u32(STATUS);
        if (status === STATUS_PENDING) return true;
        // A failed send: the error is the socket's (a reset), reported by this send.
        if (status >= 0x8000_0000) {
          this.#operation = undefined;
          this.#recycle(operation.block);
          throw ntStatusError('WSASend', status, ntdll.ntStatusToWin32);
        }
        operation.sent += Number(operation.block.u64(BYTES));
      }
      if (operation.sent >= operation.length) {
        this.#operation = undefined;
        this.#recycle(operation.block);
        return false;
      }
      // Ended short (Wine ends a queued send that way when the peer's FIN comes): the rest again.
      const started = this.#start(socket, operation);
      if (started !== 'done') return true;
    }
  }

  /** The socket is closed: a send still out keeps its block until Winsock is done with it. */
  release(): void {
    const operation = this.#operation;
    this.#operation = undefined;
    this.#spare?.free();
    this.#spare = undefined;
    if (operation === undefined) return;
    if (operation.restart || operation.block.u32(STATUS) !== STATUS_PENDING) largeSendBlocks.release(operation.block);
    else reap(operation.block);
  }

  /** Hands the unsent part of `operation` to Winsock. */
  #start(socket: bigint, operation: Operation): Started {
    const { block } = operation;
    const rest = operation.length - operation.sent;
    block.setU64(STATUS, BigInt(STATUS_PENDING));
    block.setU64(BYTES, 0n);
    block.setU32(WSABUF, rest);
    block.setU64(WSABUF + 8, block.at(HEADER + operation.sent));
    sentNow[0] = 0;
    const result = ws2_32.wsaSendOverlapped(socket, block.at(WSABUF), sentNow, block.address);
    if (result !== SOCKET_ERROR) {
      operation.restart = false;
      operation.sent += sentNow[0] ?? 0;
      // Done at once yet short: the loop in inFlight() sends the rest.
      if (operation.sent < operation.length) operation.restart = true;
      return operation.sent < operation.length ? 'would-block' : 'done';
    }
    const error = ws2_32.wsaGetLastError();
    if (error === ERROR_IO_PENDING) {
      operation.restart = false;
      return 'pending';
    }
    if (error === WSAEWOULDBLOCK) {
      operation.restart = true;
      return 'would-block';
    }
    if (this.#operation === operation) this.#operation = undefined;
    this.#recycle(block);
    throw win32Error('WSASend', error);
  }

  #blockFor(length: number): NativeMemory {
    if (HEADER + length > KEPT_BLOCK) return largeSendBlocks.take();
    const spare = this.#spare;
    if (spare !== undefined && spare.size >= HEADER + length) {
      this.#spare = undefined;
      return spare;
    }
    return new NativeMemory(HEADER + Math.max(length, 1));
  }

  #recycle(block: NativeMemory): void {
    if (block.size <= KEPT_BLOCK && this.#spare === undefined) this.#spare = block;
    else largeSendBlocks.release(block);
  }
}

// Blocks of sends still out when their socket closed. Wine keeps sending after the close (or
// fails the send); either way the status block leaves STATUS_PENDING, and the block goes then.
const reaping = new Set<NativeMemory>();
let reaper: ReturnType<typeof setInterval> | undefined;

function reap(block: NativeMemory): void {
  reaping.add(block);
  reaper ??= setInterval(() => {
    for (const waiting of reaping) {
      if (waiting.u32(STATUS) === STATUS_PENDING) continue;
      reaping.delete(waiting);
      largeSendBlocks.release(waiting);
    }
    if (reaping.size === 0) {
      clearInterval(reaper);
      reaper = undefined;
    }
  }, REAP_MS);
  // Looking at the blocks is no reason to keep a process alive.
  reaper.unref();
}
