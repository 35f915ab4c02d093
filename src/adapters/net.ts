// The node:net drop-in: `import * as net from 'mio-ts/net'` where code expects node:net.
import { Server, type ServerOptions } from './net-server.js';
import { Socket, type SocketConnectOptions, type SocketOptions } from './net-socket.js';

export { Server, Socket, type ServerOptions, type SocketOptions, type SocketConnectOptions };

export function createServer(options?: ServerOptions | ((socket: Socket) => void), connectionListener?: (socket: Socket) => void): Server {
  if (typeof options === 'function') return new Server({}, options);
  return new Server(options ?? {}, connectionListener);
}

/** `connect(port[, host][, cb])` or `connect({ port, host, ... }[, cb])`, as net.connect. */
export function connect(portOrOptions: number | (SocketConnectOptions & SocketOptions), hostOrCallback?: string | (() => void), callback?: () => void): Socket {
  const socketOptions: SocketOptions = typeof portOrOptions === 'object' ? portOrOptions : {};
  const socket = new Socket(socketOptions);
  return socket.connect(portOrOptions, hostOrCallback, callback);
}

export const createConnection = connect;
