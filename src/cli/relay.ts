// The relay: joins every connection (or datagram peer) arriving on one endpoint to a fresh
// connection on the other, both ways, passing half-closes through. Backpressure is end to end:
// pipe() pauses the faster side and paused mio-ts sockets leave the bytes in the kernel.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import * as mioNet from '../adapters/net.js';
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
}

interface Closable {
  close(): void;
}

// Idle datagram sessions are forgotten after this long.
const UDP_SESSION_IDLE_MS = 60_000;

export class Relay extends EventEmitter {
  readonly stats: RelayStats = { active: 0, total: 0, forward: 0, backward: 0 };
  readonly #from: Endpoint;
  readonly #to: Endpoint;
  readonly #links = new Set<Duplex[]>();
  readonly #listeners: Closable[] = [];
  #nextId = 1;
  #stopping = false;

  constructor(from: Endpoint, to: Endpoint) {
    super();
    this.#from = from;
    this.#to = to;
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

  #drain([a, b]: Duplex[], quietMs: number): Promise<void> {
    const directions: [Duplex, Duplex][] = [
      [a as Duplex, b as Duplex],
      [b as Duplex, a as Duplex],
    ];
    const closed = Promise.all([a, b].map((s) => (s as Duplex).destroyed ? Promise.resolve() : new Promise<void>((resolve) => (s as Duplex).once('close', () => resolve()))));
    for (const [source, target] of directions) {
      let last = performance.now();
      source.on('data', () => (last = performance.now()));
      const check = setInterval(() => {
        if (performance.now() - last < quietMs) return;
        clearInterval(check);
        // Quiet: nothing more is in flight this way. Hand over what we hold, then a FIN.
        source.unpipe(target);
        if (target.writable) target.end();
        target.once('finish', () => {
          if (source.readableEnded || !source.readable) target.destroy();
        });
        if (!target.writable && target.writableFinished && source.readableEnded) target.destroy();
      }, Math.max(10, quietMs / 5));
      source.once('close', () => clearInterval(check));
    }
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
        return mioNet.connect({ port: endpoint.address.port, host: endpoint.address.address, allowHalfOpen: true });
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
    const onError = (error: Error): void => {
      failure ??= error;
      a.destroy();
      b.destroy();
    };
    for (const stream of pair) {
      stream.on('error', onError);
      stream.once('close', () => {
        if (++closed < 2) {
          // One side is gone: the other gets what is queued for it, then goes too.
          const other = stream === a ? b : a;
          if (other.writableFinished || !other.writable) other.destroy();
          else {
            other.once('finish', () => other.destroy());
            other.end();
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
        datagrams.write({ data: chunk }, callback);
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
    this.emit('listening', formatAddress(socket.localAddr()));
    const sessions = new Map<string, { stream: Duplex; timer: NodeJS.Timeout }>();
    listening.on('data', (datagram: IncomingDatagram) => {
      const key = formatAddress(datagram.address);
      let session = sessions.get(key);
      if (session === undefined) {
        if (this.#stopping) return;
        const peer = datagram.address;
        // The peer's side of the session: what it sends is read, what is written goes back to it.
        const fromPeer = new Duplex({
          read() {},
          write(chunk: Buffer, _encoding, callback) {
            listening.write({ data: chunk, address: peer }, callback);
          },
        });
        const created = { stream: fromPeer, timer: setTimeout(() => fromPeer.destroy(), UDP_SESSION_IDLE_MS) };
        sessions.set(key, created);
        fromPeer.once('close', () => {
          clearTimeout(created.timer);
          sessions.delete(key);
        });
        session = created;
        this.#accepted(fromPeer);
      }
      session.timer.refresh();
      session.stream.push(datagram.data);
    });
  }
}
