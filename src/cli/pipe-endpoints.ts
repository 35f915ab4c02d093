// Named-pipe endpoints of the relay.
import type { Duplex } from 'node:stream';
import { PipeListener } from '../streams/pipe-listener.js';
import { PipeSocket } from '../streams/pipe-socket.js';

export function openPipe(path: string): Duplex {
  return PipeSocket.connect(path, { allowHalfOpen: true });
}

/** Listens on `path`; throws (EADDRINUSE) when another server already owns the name. */
export function listenPipe(path: string, onConnection: (socket: Duplex) => void): PipeListener {
  return new PipeListener(path, { allowHalfOpen: true }, onConnection);
}
