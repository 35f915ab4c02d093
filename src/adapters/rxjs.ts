// RxJS views of mio-ts: cold Observables whose teardown releases what the subscription took
// (the wait, the registration). Errors go to `error`, end of stream to `complete`.
import { finished, type Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { Event } from '../core/event.js';
import { Interest } from '../core/interest.js';
import type { Poll } from '../poll/poll.js';
import type { Source } from '../poll/source.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import type { SocketAddress } from '../net/address.js';
import type { TcpListener } from '../net/tcp-listener.js';
import type { UdpSocket } from '../net/udp-socket.js';
import { Driver } from '../streams/driver.js';
import { TcpSocket } from '../streams/tcp-socket.js';
import type { Server } from './net-server.js';
import type { Socket } from './net-socket.js';
import { drainInTurns } from './turns.js';

// Connections or datagrams taken per turn of the event loop: a flood on one source waits its turn.
const ITEMS_PER_TURN = 64;

/**
 * Every event of `poll`, until unsubscribed. Unsubscribing interrupts the wait and hands events
 * already dequeued but not yet emitted back to the Poll: an edge is never lost.
 */
export function fromPoll(poll: Poll): Observable<Event> {
  return new Observable<Event>((subscriber) => {
    const iterator = poll[Symbol.asyncIterator]();
    let active = true;
    void (async () => {
      try {
        for (;;) {
          const result = await iterator.next();
          if (result.done === true || !active) break;
          subscriber.next(result.value);
        }
        subscriber.complete();
      } catch (error) {
        if (active) subscriber.error(error);
      }
    })();
    return () => {
      active = false;
      void iterator.return?.();
    };
  });
}

/** Readiness of `source` for `interest` through a driver; unsubscribing deregisters it. */
export function readiness$(source: Source, interest: Interest, driver: Driver = Driver.shared()): Observable<Event> {
  return new Observable<Event>((subscriber) => {
    const registration = driver.register(
      source,
      interest,
      (readiness) => subscriber.next(new Event(registration.token, readiness)),
      (error) => subscriber.error(error),
    );
    registration.hold(true);
    return () => registration.close();
  });
}

/** Accepted connections: from a TcpListener (as TcpSockets) or a drop-in Server. */
export function connections$(server: TcpListener | Server, driver: Driver = Driver.shared()): Observable<TcpSocket | Socket> {
  if ('listen' in server) {
    return new Observable<Socket>((subscriber) => {
      const onConnection = (socket: Socket): void => subscriber.next(socket);
      const onClose = (): void => subscriber.complete();
      const onError = (error: Error): void => subscriber.error(error);
      server.on('connection', onConnection).on('close', onClose).on('error', onError);
      return () => {
        server.off('connection', onConnection).off('close', onClose).off('error', onError);
      };
    });
  }
  return drained$(server, driver, () => {
    const next = server.accept();
    return next === WOULD_BLOCK ? next : new TcpSocket(next[0], { driver });
  });
}

/** The chunks a stream socket receives; `complete` at end of stream. Unsubscribing destroys it. */
export function data$(socket: Readable): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    const onData = (chunk: Buffer): void => subscriber.next(chunk);
    socket.on('data', onData);
    // Covers 'end', 'error' and a close without either, and a socket that ended already.
    const stopWatching = finished(socket, { writable: false }, (error) => {
      if (error !== undefined && error !== null && (error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') subscriber.error(error);
      else subscriber.complete();
    });
    return () => {
      socket.off('data', onData);
      stopWatching();
      // Only an unsubscribe before the end releases the socket; after it, its writer finishes.
      if (!socket.readableEnded) socket.destroy();
    };
  });
}

/** Datagrams received by `socket`; unsubscribing deregisters it (the socket stays open). */
export function datagrams$(socket: UdpSocket, options: { driver?: Driver; maxDatagramSize?: number } = {}): Observable<{ data: Buffer; address: SocketAddress }> {
  const buffer = Buffer.allocUnsafe(options.maxDatagramSize ?? 65536);
  return drained$(socket, options.driver ?? Driver.shared(), () => {
    const received = socket.recvFrom(buffer);
    return received === WOULD_BLOCK ? received : { data: Buffer.from(buffer.subarray(0, received.bytes)), address: received.address };
  });
}

/**
 * Items taken from `source` on each READABLE edge of readiness$, until WouldBlock, at most
 * ITEMS_PER_TURN per turn of the event loop. Unsubscribing drops the turn still scheduled and
 * deregisters the source; an error from `take` ends the Observable.
 */
function drained$<T>(source: Source & { readonly closed: boolean }, driver: Driver, take: () => T | WouldBlock): Observable<T> {
  return new Observable<T>((subscriber) => {
    const draining = drainInTurns(() => {
      // Stop as soon as the subscriber is gone: an item taken after that has no owner.
      if (subscriber.closed || source.closed) return false;
      try {
        const item = take();
        if (item === WOULD_BLOCK) return false;
        subscriber.next(item);
        return true;
      } catch (error) {
        subscriber.error(error);
        return false;
      }
    }, ITEMS_PER_TURN);
    const edges = readiness$(source, Interest.READABLE, driver).subscribe(() => draining.drain());
    return () => {
      draining.cancel();
      edges.unsubscribe();
    };
  });
}
