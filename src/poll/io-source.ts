// A raw socket as a Source (mio's IoSource): the way to watch a SOCKET that some other code
// created, e.g. one handed out by a native library loaded through koffi. The socket must be
// non-blocking for the readiness loop to make sense; closing it stays with its owner.
import { InvalidArgumentError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import type { WouldBlock } from '../core/would-block.js';
import { PollableSocket } from './pollable-socket.js';

function socketHandle(socket: bigint | number): bigint {
  const value = typeof socket === 'number' && Number.isSafeInteger(socket) ? BigInt(socket) : socket;
  if (typeof value !== 'bigint' || value <= 0n || value >= 0xffff_ffff_ffff_ffffn) {
    throw new InvalidArgumentError(`not a socket handle: ${typeof socket === 'bigint' || typeof socket === 'number' ? String(socket) : typeof socket}`);
  }
  return value;
}

export class IoSource extends PollableSocket {
  constructor(socket: bigint | number) {
    super(socketHandle(socket), 'IoSource');
  }

  get socket(): bigint {
    return this.handle;
  }

  override get registered(): boolean {
    return super.registered;
  }

  /**
   * Runs a non-blocking operation on the socket. Return WOULD_BLOCK from it when the OS said
   * would-block: the interest is then re-armed so the next readiness is reported. Name the
   * blocked `direction` (e.g. Interest.READABLE for a recv) to re-arm only that one; by default
   * the whole registered interest is re-armed, as mio does.
   */
  override doIo<T>(operation: (socket: bigint) => T | WouldBlock, direction?: Interest): T | WouldBlock {
    return super.doIo(operation, direction);
  }
}
