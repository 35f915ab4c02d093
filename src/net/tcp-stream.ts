// mio's TcpStream: a non-blocking TCP connection. connect() returns at once; completion is
// reported as WRITABLE and failure as an error event, after which takeError() says why.
import { InvalidArgumentError, type SystemError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { Readiness } from '../core/readiness.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import { peerEndpoint, type Endpoint } from '../sys/windows/net.js';
import * as sockets from '../sys/windows/socket.js';
import { OverlappedSender } from '../sys/windows/overlapped-send.js';
import * as tcp from '../sys/windows/tcp.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource } from './socket-source.js';

export type ShutdownHow = tcp.ShutdownHow;

const RESET = Readiness.READ_CLOSED | Readiness.WRITE_CLOSED;

function checkBuffer(name: string, buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new InvalidArgumentError(`${name} must be a Buffer or Uint8Array`);
  return buffer;
}

export class TcpStream extends SocketSource {
  readonly #remote: Endpoint | undefined;
  /** Sends of ours: what the kernel did not take at once stays here, not in Wine's hands. */
  readonly #sender = new OverlappedSender();

  private constructor(socket: bigint, family: 'IPv4' | 'IPv6', remote?: Endpoint) {
    super(socket, family, 'TcpStream');
    this.#remote = remote;
  }

  /**
   * Starts a non-blocking connect; register for WRITABLE to learn when it finished. `local`
   * binds the socket first (an address of the peer's family; port 0 or absent: any port).
   */
  static connect(address: AddressInput, local?: { address?: string; port?: number }): TcpStream {
    const endpoint = parseAddress(address);
    if (endpoint.port === 0) throw new InvalidArgumentError('cannot connect to port 0');
    const localEndpoint =
      local === undefined ? undefined : parseAddress({ host: local.address ?? (endpoint.family === 'IPv4' ? '0.0.0.0' : '::'), port: local.port ?? 0 });
    assertSupportedPlatform('TcpStream');
    return new TcpStream(tcp.connect(endpoint, localEndpoint), endpoint.family, endpoint);
  }

  /** @internal A socket returned by accept(). */
  static fromAccepted(socket: bigint, family: 'IPv4' | 'IPv6'): TcpStream {
    return new TcpStream(socket, family);
  }

  /**
   * Adopts a connected or connecting SOCKET created elsewhere (e.g. by a native library loaded
   * through koffi). It is switched to non-blocking mode and closed by close().
   */
  static fromRawSocket(socket: bigint): TcpStream {
    if (typeof socket !== 'bigint' || socket <= 0n) throw new InvalidArgumentError('socket must be a SOCKET handle (bigint)');
    assertSupportedPlatform('TcpStream');
    return new TcpStream(socket, sockets.adopt(socket));
  }

  /**
   * Bytes read into `buffer` (0 at end of stream), or WOULD_BLOCK. A read that leaves room in
   * `buffer` drained the socket: bytes that come after it may bring a READABLE (a spurious
   * event to a caller that reads on to WouldBlock, as mio allows).
   */
  read(buffer: Uint8Array): number | WouldBlock {
    const checked = checkBuffer('buffer', buffer);
    return this.#receive(checked, false, checked.length, false);
  }

  /**
   * Like read(), but a read that leaves room in `buffer` re-arms READABLE as a WouldBlock would:
   * it took all the kernel had, so the caller may wait for the next event instead of reading
   * again only to hear WouldBlock. Bytes that arrive meanwhile complete the poll at once.
   */
  readRearmingWhenShort(buffer: Uint8Array): number | WouldBlock {
    const checked = checkBuffer('buffer', buffer);
    return this.#receive(checked, false, checked.length, true);
  }

  /** Like read() but leaves the bytes queued. */
  peek(buffer: Uint8Array): number | WouldBlock {
    return this.#receive(checkBuffer('buffer', buffer), true);
  }

  /** Reads into several buffers with one receive; bytes read, 0 at end of stream, or WOULD_BLOCK. */
  readv(buffers: readonly Uint8Array[]): number | WouldBlock {
    buffers.forEach((b, i) => checkBuffer(`buffers[${i}]`, b));
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const scratch = Buffer.allocUnsafe(total);
    const n = this.#receive(scratch, false, total, false);
    if (n === WOULD_BLOCK) return n;
    let offset = 0;
    for (const buffer of buffers) {
      if (offset >= n) break;
      const take = Math.min(buffer.length, n - offset);
      buffer.set(scratch.subarray(offset, offset + take));
      offset += take;
    }
    return n;
  }

  /** Bytes the OS took (possibly fewer than offered), or WOULD_BLOCK. */
  write(buffer: Uint8Array): number | WouldBlock {
    const data = checkBuffer('buffer', buffer);
    if (data.length === 0) return 0;
    return this.doIo((socket) => tcp.send(this.#sender, socket, data, this.#remote), Interest.WRITABLE);
  }

  /**
   * True while bytes write() took are still on their way to the kernel (a send that went on in
   * the background); WRITABLE is armed and comes once they are out. Shut down or close after.
   */
  sendInFlight(): boolean {
    return this.doIo((socket) => (tcp.sendInFlight(this.#sender, socket, this.#remote) ? WOULD_BLOCK : false), Interest.WRITABLE) === WOULD_BLOCK;
  }

  /** Deregisters and closes the socket; a send still going out keeps its memory until it is done. */
  override close(): void {
    super.close();
    this.#sender.release();
  }

  /** Writes several buffers with one send. */
  writev(buffers: readonly Uint8Array[]): number | WouldBlock {
    buffers.forEach((b, i) => checkBuffer(`buffers[${i}]`, b));
    return this.write(buffers.length === 1 ? (buffers[0] as Uint8Array) : Buffer.concat(buffers));
  }

  shutdown(how: ShutdownHow): void {
    if (how !== 'read' && how !== 'write' && how !== 'both') throw new InvalidArgumentError(`shutdown takes 'read', 'write' or 'both', got ${String(how)}`);
    tcp.shutdown(this.handle, how);
  }

  /** The peer; ENOTCONN while the connect is still running or after it failed. */
  peerAddr(): SocketAddress {
    return peerEndpoint(this.handle);
  }

  setNoDelay(noDelay: boolean): void {
    tcp.setNoDelay(this.handle, noDelay);
  }

  noDelay(): boolean {
    return tcp.noDelay(this.handle);
  }

  /** Enables keep-alive probes; `initialDelayMs` (rounded to seconds) sets when they start. */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    const socket = this.handle;
    if (!enable || initialDelayMs === undefined) return tcp.setKeepAlive(socket, enable);
    if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0) throw new InvalidArgumentError('initialDelayMs must be a non-negative number');
    tcp.setKeepAlive(socket, true, Math.max(1, Math.round(initialDelayMs / 1000)));
  }

  keepAlive(): boolean {
    return tcp.keepAlive(this.handle);
  }

  /** SO_LINGER: `null` restores the default; 0 makes close() reset the connection (RST). */
  setLinger(seconds: number | null): void {
    if (seconds !== null && (!Number.isInteger(seconds) || seconds < 0 || seconds > 65535)) throw new InvalidArgumentError('linger must be null or an integer from 0 to 65535 seconds');
    tcp.setLinger(this.handle, seconds);
  }

  /** The connect failure (ECONNREFUSED, ...) once an error event was reported; undefined if none. */
  takeError(): SystemError | undefined {
    return this.pendingError(this.#remote);
  }

  #receive(buffer: Uint8Array, peek: boolean, readLength = 0, rearmWhenShort = false): number | WouldBlock {
    // 0 means end of stream: an empty buffer could never tell it apart.
    if (buffer.length === 0) throw new InvalidArgumentError('the buffer to read into must not be empty');
    return this.doIo((socket) => tcp.recv(socket, buffer, peek, this.#remote, (this.seenReadiness & RESET) === RESET), Interest.READABLE, readLength, rearmWhenShort);
  }
}
