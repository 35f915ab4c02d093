// The node:net drop-in: `import * as net from 'mio-ts/net'` where code expects node:net.
// What does not touch sockets (address checks, BlockList, SocketAddress, the autoSelectFamily
// defaults) is node's own, so both share one setting.
import { callableClass } from './callable-class.js';
import { Server, type ServerOptions } from './net-server.js';
import { normalizeConnectArgs, Socket as SocketClass, type LookupFunction, type SocketConnectOptions, type SocketOptions } from './net-socket.js';
import { PipeSocket } from '../streams/pipe-socket.js';

export {
  BlockList,
  SocketAddress,
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  isIP,
  isIPv4,
  isIPv6,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
} from 'node:net';
export { Server, PipeSocket, type ServerOptions, type SocketOptions, type SocketConnectOptions, type LookupFunction };

/** net.Socket: `new Socket()` or `Socket()`. */
export const Socket = callableClass(SocketClass);
export type Socket = SocketClass;
/** node's older name for Socket. */
export const Stream = Socket;
export type Stream = SocketClass;

/** As net.createServer: `options` may be left out; anything but an object or a function throws. */
export function createServer(options?: ServerOptions | ((socket: SocketClass) => void) | null, connectionListener?: (socket: SocketClass) => void): Server {
  return new Server(options, connectionListener);
}

/**
 * `connect(port[, host][, cb])`, `connect(options[, cb])` or a named pipe with
 * `connect(path[, cb])`, as net.connect: a new Socket, connected through Socket#connect.
 */
export function connect(options: SocketConnectOptions & SocketOptions, connectListener?: () => void): SocketClass;
export function connect(port: number | string, host?: string, connectListener?: () => void): SocketClass;
export function connect(path: string, connectListener?: () => void): SocketClass;
export function connect(...args: unknown[]): SocketClass {
  const [options, callback] = normalizeConnectArgs(args);
  const socket = new SocketClass(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return callback === undefined ? socket.connect(options) : socket.connect(options, callback);
}

export const createConnection = connect;
