// A SOCKET owned by one of the net types: its registration, its close, and the socket options
// every kind shares. Composed (not inherited) by TcpListener, TcpStream and UdpSocket.
import { InvalidStateError, type SystemError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import { IoSourceState } from '../poll/io-source-state.js';
import { selectorOf, type Registry } from '../poll/registry.js';
import type { Token } from '../core/token.js';
import type { WouldBlock } from '../core/would-block.js';
import { IPPROTO_IP, IPPROTO_IPV6, IPV6_UNICAST_HOPS, IP_TTL, SOL_SOCKET, SO_ERROR, ws2_32 } from '../sys/windows/ffi/index.js';
import { localEndpoint, socketError, type Endpoint } from '../sys/windows/net.js';

export class OwnedSocket {
  readonly family: 'IPv4' | 'IPv6';
  readonly #state = new IoSourceState();
  readonly #kind: string;
  #socket: bigint;

  constructor(socket: bigint, family: 'IPv4' | 'IPv6', kind: string) {
    this.#socket = socket;
    this.family = family;
    this.#kind = kind;
  }

  get closed(): boolean {
    return this.#socket === 0n;
  }

  /** The raw SOCKET; throws once closed. */
  get socket(): bigint {
    if (this.#socket === 0n) throw new InvalidStateError('ERR_SOCKET_CLOSED', `the ${this.#kind} is closed`);
    return this.#socket;
  }

  #assertOpen(): void {
    if (this.#socket === 0n) throw new InvalidStateError('ERR_SOCKET_CLOSED', `the ${this.#kind} is closed`);
  }

  get seenReadiness(): number {
    return this.#state.seenReadiness;
  }

  register(registry: Registry, token: Token, interest: Interest): void {
    this.#state.register(selectorOf(registry), this.socket, token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.#assertOpen();
    this.#state.reregister(selectorOf(registry), token, interest);
  }

  deregister(registry: Registry): void {
    this.#assertOpen();
    this.#state.deregister(selectorOf(registry));
  }

  /** Runs a non-blocking call; WouldBlock re-arms `direction` (edge triggering). */
  doIo<T>(operation: (socket: bigint) => T | WouldBlock, direction?: Interest): T | WouldBlock {
    const socket = this.socket;
    return this.#state.doIo(() => operation(socket), direction);
  }

  localAddr(): Endpoint {
    return localEndpoint(this.socket);
  }

  /** The pending socket error (SO_ERROR), cleared by reading it; undefined when none. */
  takeError(endpoint?: Endpoint): SystemError | undefined {
    const code = ws2_32.getSockOptInt(this.socket, SOL_SOCKET, SO_ERROR);
    return code === 0 ? undefined : socketError('connect', code, endpoint);
  }

  setTtl(ttl: number): void {
    checkByte('ttl', ttl);
    if (this.family === 'IPv4') ws2_32.setSockOptInt(this.socket, IPPROTO_IP, IP_TTL, ttl);
    else ws2_32.setSockOptInt(this.socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
  }

  ttl(): number {
    return this.family === 'IPv4' ? ws2_32.getSockOptInt(this.socket, IPPROTO_IP, IP_TTL) : ws2_32.getSockOptInt(this.socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  }

  /** Deregisters (the selector frees its state once the poll in flight reports) and closes. */
  close(): void {
    if (this.#socket === 0n) return;
    const socket = this.#socket;
    this.#state.forget();
    this.#socket = 0n;
    ws2_32.closeSocket(socket);
  }
}

export function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${name} must be an integer from 0 to 255, got ${value}`);
}
