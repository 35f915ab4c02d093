// How the drop-in Socket reaches a TCP host, as node's net does: connect()'s TCP options checked
// in node's order, the name looked up (dns.lookup or the `lookup` option, a 'lookup' event per
// answer) and, with autoSelectFamily, the addresses tried in turn, the two families alternating
// (node's happy eyeballs). The socket takes the stream over once one attempt is connected.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout, isIP } from 'node:net';
import { Interest } from '../core/interest.js';
import { Readiness } from '../core/readiness.js';
import { TcpStream } from '../net/tcp-stream.js';
import type { Driver } from '../streams/driver.js';
import type { DriverRegistration } from '../streams/driver-registration.js';
import { connectError, invalidAddressFamily, invalidArgType, invalidIpAddress, netSystemError } from './net-errors.js';
import type { LookupFunction, SocketConnectOptions } from './net-socket-options.js';
import { validateBoolean, validateFunction, validateInteger, validateNumber, validatePort, validateString } from './net-validation.js';

export interface ConnectTarget {
  address: string;
  port: number;
  local: { address?: string; port?: number } | undefined;
}

/** What a TcpConnect needs from its socket. */
export interface TcpConnectHost {
  readonly driver: Driver;
  /** Happy eyeballs starts: from now on every `address:port` tried is recorded, in order. */
  recordAttempts(): void;
  attempted(entry: string): void;
  /** Still connecting and not destroyed: a late answer is dropped otherwise. */
  stillWanted(): boolean;
  emit(event: 'lookup', error: Error | null, address: string | undefined, family: number | undefined, host: string): unknown;
  /** The attempt at `target` starts (its errors name it). */
  trying(target: ConnectTarget): void;
  /** Connected (or connecting, without happy eyeballs): the socket takes `stream` over. */
  adopt(stream: TcpStream): void;
  destroy(error: Error): void;
  /** The socket keeps the process alive; attempts hold the driver only then. */
  isRefd(): boolean;
}

const CONNECT_DONE = Readiness.WRITABLE | Readiness.ERROR | Readiness.WRITE_CLOSED;

/** One happy-eyeballs attempt: a connecting stream watched outside the socket's channel. */
interface Attempt {
  stream: TcpStream;
  registration: DriverRegistration;
  timer: NodeJS.Timeout | undefined;
}

interface LookupAllContext {
  host: string;
  port: number;
  local: ConnectTarget['local'];
  attemptTimeout: number;
  options: SocketConnectOptions;
}

/** A stream connecting to `target`; port 0 fails as Winsock's connect() does. */
function open(target: ConnectTarget): TcpStream {
  if (target.port === 0) throw netSystemError('connect', 'EADDRNOTAVAIL', target.address, 0);
  return TcpStream.connect({ host: target.address, port: target.port }, target.local);
}

/** The addresses of a lookup, the family of the first usable one first, the families alternating. */
function inTurn(queues: [string[], string[]]): string[] {
  const order: string[] = [];
  for (let i = 0; i < Math.max(queues[0].length, queues[1].length); i++) {
    for (const queue of queues) {
      const address = queue[i];
      if (address !== undefined) order.push(address);
    }
  }
  return order;
}

export class TcpConnect {
  readonly #host: TcpConnectHost;
  #attempt: Attempt | undefined;

  constructor(host: TcpConnectHost) {
    this.#host = host;
  }

  /** Checks the TCP options in node's order; returns what starts the connection. */
  plan(options: SocketConnectOptions): () => void {
    const { localAddress, localPort, lookup, hints } = options;
    const host: unknown = options.host || 'localhost';
    validateString(host, 'options.host');
    if (localAddress !== undefined && localAddress !== null && (localAddress as unknown) !== '' && isIP(localAddress) === 0) throw invalidIpAddress(localAddress);
    if (localPort !== undefined && localPort !== null && (localPort as unknown) !== 0 && (localPort as unknown) !== '') validateNumber(localPort, 'options.localPort');
    let port = 0;
    if (options.port !== undefined) {
      if (typeof options.port !== 'number' && typeof options.port !== 'string') throw invalidArgType('options.port', 'of type number or string', options.port);
      port = validatePort(options.port);
    }
    let autoSelectFamily = getDefaultAutoSelectFamily();
    if (options.autoSelectFamily !== undefined && options.autoSelectFamily !== null) {
      validateBoolean(options.autoSelectFamily, 'options.autoSelectFamily');
      autoSelectFamily = options.autoSelectFamily;
    }
    let attemptTimeout = getDefaultAutoSelectFamilyAttemptTimeout();
    if (options.autoSelectFamilyAttemptTimeout !== undefined && options.autoSelectFamilyAttemptTimeout !== null) {
      validateInteger(options.autoSelectFamilyAttemptTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
      attemptTimeout = Math.max(options.autoSelectFamilyAttemptTimeout, 10);
    }
    const local = localAddress || localPort ? { ...(localAddress ? { address: localAddress } : {}), ...(localPort ? { port: localPort } : {}) } : undefined;
    const socket = this.#host;
    if (isIP(host) !== 0) {
      // An address already: no lookup, and no 'lookup' event.
      return () =>
        process.nextTick(() => {
          if (socket.stillWanted()) this.#connectTo({ address: host, port, local });
        });
    }
    if (lookup !== undefined && lookup !== null) validateFunction(lookup, 'options.lookup');
    const resolve: LookupFunction = lookup ?? (dnsLookup as unknown as LookupFunction);
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const dnsOptions: { family?: number | string | undefined; hints: number; all?: boolean } = { family, hints: hints || 0 };
    if (family !== 4 && family !== 6 && !localAddress && autoSelectFamily) {
      dnsOptions.all = true;
      return () =>
        resolve(host, dnsOptions, (error, addresses) => {
          this.#onLookupAll(error, addresses, { host, port, local, attemptTimeout, options });
        });
    }
    return () =>
      resolve(host, dnsOptions, (error, address, addressFamily) => {
        socket.emit('lookup', error, address as string | undefined, addressFamily, host);
        if (!socket.stillWanted()) return;
        if (error) process.nextTick(() => socket.destroy(error));
        else if (typeof address !== 'string' || isIP(address) === 0) process.nextTick(() => socket.destroy(invalidIpAddress(address)));
        else if (addressFamily !== 4 && addressFamily !== 6) process.nextTick(() => socket.destroy(invalidAddressFamily(addressFamily, options.host, options.port)));
        else this.#connectTo({ address, port, local });
      });
  }

  /** Gives up the attempt in flight, if any (closing its stream unless it was adopted). */
  endAttempt(closeStream: boolean): void {
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    this.#attempt = undefined;
    clearTimeout(attempt.timer);
    attempt.registration.close();
    if (closeStream) attempt.stream.close();
  }

  /** An attempt keeps the process alive while the socket is ref'd. */
  updateHold(): void {
    this.#attempt?.registration.hold(this.#host.isRefd());
  }

  #onLookupAll(error: NodeJS.ErrnoException | null, addresses: string | LookupAddress[] | undefined, context: LookupAllContext): void {
    const { host, port, local, attemptTimeout, options } = context;
    const socket = this.#host;
    if (!socket.stillWanted()) return;
    if (error) {
      socket.emit('lookup', error, undefined, undefined, host);
      process.nextTick(() => socket.destroy(error));
      return;
    }
    const list = Array.isArray(addresses) ? addresses : [];
    // Two queues, the family of the first usable address first; tried alternately.
    const queues: [string[], string[]] = [[], []];
    let firstFamily: number | undefined;
    for (const { address, family } of list) {
      socket.emit('lookup', null, address, family, host);
      if (!socket.stillWanted()) return;
      if (isIP(address) === 0 || (family !== 4 && family !== 6)) continue;
      firstFamily ??= family;
      queues[family === firstFamily ? 0 : 1].push(address);
    }
    if (firstFamily === undefined) {
      const first = list[0];
      const failure =
        first === undefined || isIP(first.address) === 0 ? invalidIpAddress(first?.address) : invalidAddressFamily(first.family, options.host, options.port);
      process.nextTick(() => socket.destroy(failure));
      return;
    }
    const order = inTurn(queues);
    const [only] = order;
    if (order.length === 1 && only !== undefined) {
      this.#connectTo({ address: only, port, local });
      return;
    }
    socket.recordAttempts();
    this.#tryInTurn(order, 0, port, local, attemptTimeout, []);
  }

  #connectTo(target: ConnectTarget): void {
    this.#host.trying(target);
    let stream: TcpStream;
    try {
      stream = open(target);
    } catch (error) {
      this.#host.destroy(connectError(error, target));
      return;
    }
    this.#host.adopt(stream);
  }

  /**
   * Happy eyeballs as node's autoSelectFamily: each address in turn, the next one when an
   * attempt fails or has not connected within `timeoutMs` (the last one has no time limit).
   * All failed: an AggregateError of every failure, its code the first one's.
   */
  #tryInTurn(addresses: readonly string[], index: number, port: number, local: ConnectTarget['local'], timeoutMs: number, errors: Error[]): void {
    const socket = this.#host;
    if (!socket.stillWanted()) return;
    const address = addresses[index];
    if (address === undefined) {
      const failure = Object.assign(new AggregateError(errors), { code: (errors[0] as { code?: string } | undefined)?.code });
      socket.destroy(failure);
      return;
    }
    const target: ConnectTarget = { address, port, local };
    socket.trying(target);
    socket.attempted(`${address}:${port}`);
    const next = (error: Error): void => {
      errors.push(error);
      this.#tryInTurn(addresses, index + 1, port, local, timeoutMs, errors);
    };
    let stream: TcpStream;
    try {
      stream = open(target);
    } catch (error) {
      next(connectError(error, target));
      return;
    }
    const registration = socket.driver.register(stream, Interest.WRITABLE, (readiness) => {
      if ((readiness & CONNECT_DONE) === 0 || this.#attempt?.stream !== stream) return;
      const failure = stream.takeError();
      this.endAttempt(failure !== undefined);
      if (failure !== undefined) next(connectError(failure, target));
      // Connected: the socket takes the stream over; its registration reports WRITABLE at once.
      else socket.adopt(stream);
    }, (error) => {
      if (this.#attempt?.stream !== stream) return;
      this.endAttempt(true);
      next(error);
    });
    const timer =
      index < addresses.length - 1
        ? setTimeout(() => {
            this.endAttempt(true);
            next(netSystemError('connect', 'ETIMEDOUT', address, port));
          }, timeoutMs)
        : undefined;
    timer?.unref();
    this.#attempt = { stream, registration, timer };
    this.updateHold();
  }
}
