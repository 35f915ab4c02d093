// The per-socket half of the selector: one AFD poll in flight at most, edge triggering emulated
// by forgetting the flags a completion reported until the owner re-arms them.
import { InvalidStateError, SystemError } from '../../core/errors.js';
import type { Afd } from './afd.js';
import {
  AFD_KNOWN_EVENTS,
  AFD_POLL_ABORT,
  AFD_POLL_ACCEPT,
  AFD_POLL_CONNECT_FAIL,
  AFD_POLL_DISCONNECT,
  AFD_POLL_HANDLE_INFO,
  AFD_POLL_INFO,
  AFD_POLL_LOCAL_CLOSE,
  AFD_POLL_RECEIVE,
  AFD_POLL_SEND,
  IO_STATUS_BLOCK,
  NativeMemory,
  STATUS_CANCELLED,
} from './ffi/index.js';

export type PollStatus = 'idle' | 'pending' | 'cancelled';

// A socket that has sent, received or seen its peer close is not a listener and never reports
// ACCEPT. Wine answers a poll for ACCEPT by looking for incoming data, and once the peer's FIN
// is there that look ends the sends Wine still holds for the socket, dropping their bytes
// (README.md, Wine quirks): so such a socket stops asking for ACCEPT.
const NOT_A_LISTENER = AFD_POLL_SEND | AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT;

// The read side as Wine polls it: each of these flags makes the wineserver watch the socket for
// incoming bytes, and only RECEIVE (ACCEPT on a listener) is completed by them. A poll left
// asking for DISCONNECT while unread bytes sit in the socket wakes the wineserver on those bytes
// over and over (docs/architecture.md, Wine: "a poll that data cannot complete"). So once one of
// these fired, the read side stays out of the poll until a read shows the socket drained: a
// WouldBlock (the owner re-arms READABLE) or a read shorter than its buffer.
const READ_SIDE = AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT | AFD_POLL_ACCEPT;

// One block: the status block first, then the poll info. Both belong to the kernel from
// Afd.poll() until the completion of that poll is dequeued.
const INFO_OFFSET = IO_STATUS_BLOCK.size;
const BLOCK_SIZE = IO_STATUS_BLOCK.size + AFD_POLL_INFO.size;
const HANDLE_EVENTS = INFO_OFFSET + AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events;
const NUMBER_OF_HANDLES = INFO_OFFSET + AFD_POLL_INFO.numberOfHandles;

/** Where in that block a poll's flags are asked and reported (what a stand-in AFD reads and writes). */
export const POLL_BLOCK = { handleEvents: HANDLE_EVENTS, numberOfHandles: NUMBER_OF_HANDLES } as const;

/** A readiness report: the AFD flags that fired, for the token registered at the time. */
export interface AfdReport {
  token: number;
  flags: number;
}

export class SockState {
  readonly socket: bigint;
  readonly baseSocket: bigint;
  readonly afd: Afd;
  readonly #block: NativeMemory;
  token = 0;
  /** Flags still wanted; a completion removes the ones it reported (edge triggering). */
  #userEvents = 0;
  /** Flags of the poll in flight. */
  #pendingEvents = 0;
  #status: PollStatus = 'idle';
  #deletePending = false;
  /** Every flag ever reported: lets readers tell a reset from an orderly close (see peerReset). */
  #seenFlags = 0;
  /** ACCEPT, or 0 once the socket showed it is no listener. */
  #acceptFlag = AFD_POLL_ACCEPT;
  /** A read-side flag fired and no read has shown the socket drained since (READ_SIDE). */
  #readSideHeld = false;

  constructor(socket: bigint, baseSocket: bigint, afd: Afd) {
    this.socket = socket;
    this.baseSocket = baseSocket;
    this.afd = afd;
    // The status block's address is the poll's APC context: it comes back as the
    // completion's overlapped address.
    this.#block = new NativeMemory(BLOCK_SIZE);
  }

  /** The completion key into the selector's owner map. */
  get completionAddress(): bigint {
    return this.#block.address;
  }

  get seenFlags(): number {
    return this.#seenFlags;
  }

  get status(): PollStatus {
    return this.#status;
  }

  get deletePending(): boolean {
    return this.#deletePending;
  }

  /** No poll in flight and deregistered: the native block may be freed. */
  get releasable(): boolean {
    return this.#deletePending && this.#status === 'idle';
  }

  /** Sets what to watch; returns true when a poll must be (re)issued for it. */
  setInterest(afdFlags: number, token: number): boolean {
    this.#userEvents = (afdFlags & ~AFD_POLL_ACCEPT) | (afdFlags & this.#acceptFlag) | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
    this.#readSideHeld = false;
    this.token = token;
    return this.#needsPoll();
  }

  /** Wants `afdFlags` again (after WouldBlock) on top of what is still wanted; true when a poll must be (re)issued. */
  addInterest(afdFlags: number): boolean {
    this.#userEvents |= (afdFlags & ~AFD_POLL_ACCEPT) | (afdFlags & this.#acceptFlag) | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
    if ((afdFlags & READ_SIDE) !== 0) this.#readSideHeld = false;
    return this.#needsPoll();
  }

  /**
   * A read came back shorter than its buffer: the read side may be polled again; true when a
   * poll must be (re)issued. RECEIVE comes back with DISCONNECT: alone, DISCONNECT is the poll
   * that bytes arriving after the short read cannot complete (READ_SIDE). They bring a READABLE
   * the owner did not ask for by a WouldBlock, which edge triggering allows (a spurious event).
   */
  readDrained(): boolean {
    if (!this.#readSideHeld) return false;
    this.#readSideHeld = false;
    if ((this.#userEvents & AFD_POLL_DISCONNECT) !== 0) this.#userEvents |= AFD_POLL_RECEIVE;
    return this.#needsPoll();
  }

  /** The flags the next poll asks for. */
  #polledEvents(): number {
    return this.#readSideHeld ? this.#userEvents & ~READ_SIDE : this.#userEvents;
  }

  #needsPoll(): boolean {
    return (this.#polledEvents() & AFD_KNOWN_EVENTS & ~this.#pendingEvents) !== 0 || this.#status === 'idle';
  }

  /** Brings the poll in flight in line with the wanted flags. */
  update(): void {
    if (this.#deletePending) throw new InvalidStateError('ERR_SOCKET_DELETED', 'update of a deregistered socket');
    if (this.#status === 'pending') {
      // A poll already covers every wanted flag: leave it be.
      if (!this.#needsPoll()) return;
      this.afd.cancel(this.#block);
      this.#status = 'cancelled';
      this.#pendingEvents = 0;
      return;
    }
    if (this.#status === 'cancelled') return;

    const block = this.#block;
    block.setI64(INFO_OFFSET + AFD_POLL_INFO.timeout, 0x7fff_ffff_ffff_ffffn);
    block.setU32(NUMBER_OF_HANDLES, 1);
    block.setU32(INFO_OFFSET + AFD_POLL_INFO.exclusive, 0);
    block.setU64(INFO_OFFSET + AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.handle, this.baseSocket);
    const polled = this.#polledEvents();
    block.setU32(HANDLE_EVENTS, polled | AFD_POLL_LOCAL_CLOSE);
    block.setI32(INFO_OFFSET + AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.status, 0);
    try {
      this.afd.poll(this.#block.at(INFO_OFFSET), this.#block);
    } catch (error) {
      // The socket was closed behind our back: nothing to poll any more.
      if (error instanceof SystemError && error.code === 'EBADF') {
        this.markDelete();
        return;
      }
      throw error;
    }
    this.#status = 'pending';
    this.#pendingEvents = polled;
  }

  /** Consumes the completion of the poll in flight; returns what fired, if the owner wants it. */
  complete(): AfdReport | undefined {
    this.#status = 'idle';
    this.#pendingEvents = 0;
    if (this.#deletePending) return undefined;
    const status = this.#block.u32(IO_STATUS_BLOCK.status);
    let flags = 0;
    if (status === STATUS_CANCELLED) {
      flags = 0;
    } else if ((status & 0x8000_0000) !== 0) {
      // Any NT error on the poll is surfaced the way a failed connect is.
      flags = AFD_POLL_CONNECT_FAIL;
    } else if (this.#block.u32(NUMBER_OF_HANDLES) < 1) {
      flags = 0;
    } else {
      flags = this.#block.u32(HANDLE_EVENTS);
      if (flags & AFD_POLL_LOCAL_CLOSE) {
        this.markDelete();
        return undefined;
      }
    }
    if ((flags & NOT_A_LISTENER) !== 0) {
      this.#acceptFlag = 0;
      this.#userEvents &= ~AFD_POLL_ACCEPT;
    }
    flags &= this.#userEvents;
    if (flags === 0) return undefined;
    this.#userEvents &= ~flags;
    if ((flags & READ_SIDE) !== 0) this.#readSideHeld = true;
    this.#seenFlags |= flags;
    return { token: this.token, flags };
  }

  /** Stops watching; a poll in flight is cancelled and its completion frees the state. */
  markDelete(): void {
    if (this.#deletePending) return;
    if (this.#status === 'pending') {
      try {
        this.afd.cancel(this.#block);
        this.#status = 'cancelled';
      } catch {
        // The poll will still complete (the socket's close ends it); its completion frees us.
      }
    }
    this.#deletePending = true;
  }

  /** Frees the native block. Only once `releasable`: the kernel no longer writes it. */
  free(): void {
    if (!this.releasable) throw new InvalidStateError('ERR_SOCKET_BUSY', 'freeing a socket state whose poll is in flight');
    this.#block.free();
  }
}
