// Named-pipe endpoints of the relay.
import type { Duplex } from 'node:stream';
import { PipeListener } from '../streams/pipe-listener.js';
import { PipeSocket } from '../streams/pipe-socket.js';

export function openPipe(path: string): Duplex {
  return PipeSocket.connect(path, { allowHalfOpen: true });
}

export function listenPipe(path: string, onConnection: (socket: Duplex) => void): Promise<PipeListener> {
  return new Promise((resolve, reject) => {
    try {
      const listener = new PipeListener(path, { allowHalfOpen: true }, onConnection);
      resolve(listener);
    } catch (error) {
      reject(error);
    }
  });
}
