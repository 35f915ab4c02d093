// The node:net drop-in: `import * as net from 'mio-ts/net'` where code expects node:net.
import { Server, type ServerOptions } from './net-server.js';
import { Socket, type SocketConnectOptions, type SocketOptions } from './net-socket.js';
import { PipeSocket } from '../streams/pipe-socket.js';

export { Server, Socket, PipeSocket, type ServerOptions, type SocketOptions, type SocketConnectOptions };

/** As net.createServer: `options` may be left out; anything but an object or a function throws. */
export function createServer(options?: ServerOptions | ((socket: Socket) => void) | null, connectionListener?: (socket: Socket) => void): Server {
  return new Server(options, connectionListener);
}

/**
 * `connect(port[, host][, cb])`, `connect({ port, host, ... }[, cb])`, or a named pipe with
 * `connect(path[, cb])` / `connect({ path }[, cb])` (a PipeSocket), as net.connect.
 */
export function connect(path: string | (SocketOptions & { path: string }), callback?: () => void): PipeSocket;
export function connect(portOrOptions: number | (SocketConnectOptions & SocketOptions), hostOrCallback?: string | (() => void), callback?: () => void): Socket;
export function connect(
  portOrOptions: number | string | (SocketConnectOptions & SocketOptions) | (SocketOptions & { path: string }),
  hostOrCallback?: string | (() => void),
  callback?: () => void,
): Socket | PipeSocket {
  const path = typeof portOrOptions === 'string' ? portOrOptions : typeof portOrOptions === 'object' && 'path' in portOrOptions ? portOrOptions.path : undefined;
  if (path !== undefined) {
    const { path: _path, ...pipeOptions } = typeof portOrOptions === 'object' ? (portOrOptions as SocketOptions & { path: string }) : { path };
    const socket = PipeSocket.connect(path, pipeOptions);
    const done = typeof hostOrCallback === 'function' ? hostOrCallback : undefined;
    if (done !== undefined) socket.once('connect', done);
    return socket;
  }
  const tcpOptions = portOrOptions as number | (SocketConnectOptions & SocketOptions);
  const socketOptions: SocketOptions = typeof tcpOptions === 'object' ? tcpOptions : {};
  const socket = new Socket(socketOptions);
  return socket.connect(tcpOptions, hostOrCallback, callback);
}

export const createConnection = connect;
