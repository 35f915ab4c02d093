// The relay: joins every connection (or datagram peer) arriving on one endpoint to a fresh
// connection on the other, both ways, passing half-closes through. Backpressure is end to end:
// pipe() pauses the faster side and paused mio-ts sockets leave the bytes in the kernel.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import * as mioNet from '../adapters/net.js';
import { OutOfRangeError } from '../core/errors.js';
import { formatAddress, type SocketAddress } from '../net/address.js';
import { UdpSocket } from '../net/udp-socket.js';
import { UdpDuplex, type IncomingDatagram } from '../streams/udp-duplex.js';
import type { Endpoint } from './endpoint.js';
import { openPipe, listenPipe } from './pipe-endpoints.js';

export interface RelayStats {
  /** Links open now. */
  active: number;
  /** Links opened since start. */
  total: number;
  /** Bytes from the `from` side to the `to` side. */
  forward: number;
  /** Bytes from the `to` side back to the `from` side. */
  backward: number;
  /** Datagrams dropped because they came from a new source while the session cap was reached. */
  refusedDatagrams: number;
}

export interface RelayOptions {
  /**
   * Datagram sessions (one outbound link per source address) open at once, at most; past it a
   * new source's datagrams are dropped and counted, so spoofed sources cannot open links
   * without bound. Default 1024.
   */
  maxUdpSessions?: number;
}

interface Closable {
  close(): void;
}

// Idle datagram sessions are forgotten after this long.
const UDP_SESSION_IDLE_MS = 60_000;
const DEFAULT_MAX_UDP_SESSIONS = 1024;
// The largest UDP payload over IPv4; a longer stream chunk is sent as several datagrams.
const MAX_DATAGRAM = 65_507;

function datagramPieces(chunk: Buffer): Buffer[] {
  if (chunk.length <= MAX_DATAGRAM) return [chunk];
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < chunk.length; offset += MAX_DATAGRAM) pieces.push(chunk.subarray(offset, offset + MAX_DATAGRAM));
  return pieces;
}

export class Relay extends EventEmitter {
  readonly stats: RelayStats = { active: 0, total: 0, forward: 0, backward: 0, refusedDatagrams: 0 };
  readonly #from: Endpoint;
  readonly #to: Endpoint;
  readonly #maxUdpSessions: number;
  readonly #links = new Set<Duplex[]>();
  readonly #listeners: Closable[] = [];
  #nextId = 1;
  #stopping = false;

  constructor(from: Endpoint, to: Endpoint, options: RelayOptions = {}) {
    super();
    const maxUdpSessions = options.maxUdpSessions ?? DEFAULT_MAX_UDP_SESSIONS;
    if (!Number.isInteger(maxUdpSessions) || maxUdpSessions < 1) throw new OutOfRangeError('maxUdpSessions', 'an integer >= 1', maxUdpSessions);
    this.#from = from;
    this.#to = to;
    this.#maxUdpSessions = maxUdpSessions;
  }

  /** Opens the `from` side. Resolves once it listens (or, for a single connection, once opened). */
  async start(): Promise<void> {
    const from = this.#from;
    switch (from.kind) {
      case 'tcp-listen': {
        const server = mioNet.createServer({ allowHalfOpen: true }, (socket) => this.#accepted(socket));
        this.#listeners.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: from.address.port, host: from.address.address }, () => {
            server.off('error', reject);
            // Later errors (an accept failing with EMFILE) are the relay's to report, not to die of.
            server.on('error', (error: Error) => this.emit('link-error', error));
            const bound = server.address();
            this.emit('listening', bound === null || typeof bound === 'string' ? formatAddress(from.address) : `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`);
            resolve();
          });
        });
        return;
      }
      case 'pipe-listen': {
        this.#listeners.push(listenPipe(from.path, (socket) => this.#accepted(socket)));
        this.emit('listening', from.path);
        return;
      }
      case 'udp-listen': {
        this.#listenUdp(from.address);
        return;
      }
      default:
        this.#accepted(this.#open(from));
    }
  }

  /**
   * Stops accepting, then drains: each direction of each link keeps flowing until it has been
   * quiet for `quietMs`, is then ended (flushing what we hold, then a FIN), and every link closes
   * once both directions are done. Whatever is left after `graceMs` is destroyed.
   */
  async stop(graceMs = 10_000, quietMs = 250): Promise<void> {
    this.#stopping = true;
    for (const listener of this.#listeners.splice(0)) listener.close();
    const drains = [...this.#links].map((pair) => this.#drain(pair, quietMs));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(drains), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    if (timer !== undefined) clearTimeout(timer);
    for (const pair of this.#links) for (const stream of pair) stream.destroy();
  }

  /** `await using relay = ...`: stop() with its default grace. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #drain([a, b]: Duplex[], quietMs: number): Promise<void> {
    const left = a as Duplex;
    const right = b as Duplex;
    const closed = Promise.all([left, right].map((s) => (s.destroyed ? Promise.resolve() : new Promise<void>((resolve) => s.once('close', () => resolve())))));
    let last = performance.now();
    const touch = (): void => {
      last = performance.now();
    };
    left.on('data', touch);
    right.on('data', touch);
    // A direction is settled when nothing is held back by backpressure on its way.
    const settled = (source: Duplex, target: Duplex): boolean => source.readableFlowing !== false && target.writableLength === 0;
    const check = setInterval(() => {
      // Only a link quiet both ways is ended: a FIN while the peer still sends makes many
      // peers (node:net without allowHalfOpen) give up on what they had not sent yet.
      if (performance.now() - last < quietMs || !settled(left, right) || !settled(right, left)) return;
      clearInterval(check);
      for (const [source, target] of [
        [left, right],
        [right, left],
      ] as const) {
        source.unpipe(target);
        if (target.writable) target.end();
        // Keep reading so the peer's own end is seen and the link closes.
        source.resume();
      }
    }, Math.max(10, quietMs / 5));
    void closed.then(() => clearInterval(check));
    return closed.then(() => undefined);
  }

  #accepted(incoming: Duplex): void {
    if (this.#stopping) {
      incoming.destroy();
      return;
    }
    let outgoing: Duplex;
    try {
      outgoing = this.#to.kind === 'udp' ? this.#udpStream(this.#to.address) : this.#open(this.#to);
    } catch (error) {
      incoming.destroy();
      this.emit('link-error', error);
      return;
    }
    this.#link(incoming, outgoing);
  }

  #open(endpoint: Endpoint): Duplex {
    switch (endpoint.kind) {
      case 'tcp':
        return mioNet.connect({ port: endpoint.port, host: endpoint.host, allowHalfOpen: true });
      case 'pipe':
        return openPipe(endpoint.path);
      case 'stdio':
        return Duplex.from({ readable: process.stdin, writable: process.stdout });
      default:
        throw new Error(`${endpoint.kind} cannot be connected to`);
    }
  }

  #link(a: Duplex, b: Duplex): void {
    const id = this.#nextId++;
    const pair = [a, b];
    this.#links.add(pair);
    this.stats.active++;
    this.stats.total++;
    this.emit('open', id);
    a.on('data', (chunk: Buffer) => (this.stats.forward += chunk.length));
    b.on('data', (chunk: Buffer) => (this.stats.backward += chunk.length));
    // pipe() ends the destination when the source ends: that is the half-close, passed on.
    a.pipe(b);
    b.pipe(a);
    let closed = 0;
    let failure: Error | undefined;
    // The failing side destroys itself; the other is ended (what it holds still goes out)
    // by the close handling below.
    const onError = (error: Error): void => {
      failure ??= error;
    };
    for (const stream of pair) {
      stream.on('error', onError);
      stream.once('close', () => {
        if (++closed < 2) {
          // One side is gone: the other gets what is queued for it, then goes too.
          const other = stream === a ? b : a;
          // `writable` turns false as soon as end() is called: a side that pipe() is still
          // ending keeps its queued tail and is destroyed once that is out.
          const ending = !other.writable && other.writableEnded;
          if (other.writableFinished || other.destroyed || (!other.writable && !ending)) other.destroy();
          else {
            other.once('finish', () => other.destroy());
            if (!ending) other.end();
          }
          return;
        }
        this.#links.delete(pair);
        this.stats.active--;
        this.emit('close', id, failure);
      });
    }
  }

  /** A stream whose chunks go to `target` as datagrams and whose reads are the replies. */
  #udpStream(target: SocketAddress): Duplex {
    const socket = UdpSocket.bind(target.family === 'IPv6' ? '[::]:0' : '0.0.0.0:0');
    socket.connect(target);
    const datagrams = new UdpDuplex(socket);
    const stream = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        const pieces = datagramPieces(chunk);
        pieces.forEach((piece, i) => datagrams.write({ data: piece }, i === pieces.length - 1 ? callback : undefined));
      },
      read() {
        datagrams.resume();
      },
      // UDP has no end of its own: the session ends when its stream side does.
      final(callback) {
        this.push(null);
        callback();
      },
      destroy(error, callback) {
        datagrams.destroy();
        callback(error);
      },
    });
    datagrams.on('data', (datagram: IncomingDatagram) => {
      if (!stream.push(datagram.data)) datagrams.pause();
    });
    datagrams.on('error', (error: Error) => stream.destroy(error));
    return stream;
  }

  #listenUdp(address: SocketAddress): void {
    const socket = UdpSocket.bind(address);
    const listening = new UdpDuplex(socket);
    this.#listeners.push({ close: () => listening.destroy() });
    listening.on('error', (error: Error) => this.emit('link-error', error));
    this.emit('listening', formatAddress(socket.localAddr()));
    const sessions = new Map<string, { stream: Duplex; timer: NodeJS.Timeout; paused: boolean }>();
    let atCap = false;
    listening.on('data', (datagram: IncomingDatagram) => {
      const key = formatAddress(datagram.address);
      let session = sessions.get(key);
      if (session === undefined) {
        if (this.#stopping) return;
        if (sessions.size >= this.#maxUdpSessions) {
          this.stats.refusedDatagrams += 1;
          // Told once per spell at the cap, not once per datagram.
          if (!atCap) this.emit('session-limit', this.#maxUdpSessions);
          atCap = true;
          return;
        }
        const peer = datagram.address;
        // The peer's side of the session: what it sends is read, what is written goes back to it.
        const created = { stream: undefined as unknown as Duplex, timer: setTimeout(() => created.stream.destroy(), UDP_SESSION_IDLE_MS), paused: false };
        const fromPeer = new Duplex({
          read() {
            created.paused = false;
          },
          // Replies go straight out; a failed one ends this session only, never the listener.
          write(chunk: Buffer, _encoding, callback) {
            try {
              // UDP may drop: a reply that finds the socket's buffer full is dropped too.
              for (const piece of datagramPieces(chunk)) socket.sendTo(piece, peer);
              callback();
            } catch (error) {
              callback(error as Error);
            }
          },
        });
        created.stream = fromPeer;
        sessions.set(key, created);
        fromPeer.once('close', () => {
          clearTimeout(created.timer);
          sessions.delete(key);
          atCap = false;
        });
        session = created;
        this.#accepted(fromPeer);
      }
      session.timer.refresh();
      // A session whose other side is not keeping up drops datagrams, as UDP would.
      if (!session.paused) session.paused = !session.stream.push(datagram.data);
    });
  }
}
