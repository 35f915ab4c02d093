// What net.Socket's constructor and connect() take, read as node reads them: connect()'s
// overloads, the socket options (object modes refused, the signal and onread kept for the
// socket), net's `onread` user reads and keep-alive delays.
import type { LookupAddress } from 'node:dns';
import type * as nodeNet from 'node:net';
import { isUint8Array } from 'node:util/types';
import type { SourceDuplexOptions, UserReads } from '../streams/source-duplex.js';
import { invalidArgType, invalidArgValue, netSystemError } from './net-errors.js';
import { validateNumber } from './net-validation.js';

export interface SocketOptions extends SourceDuplexOptions {
  allowHalfOpen?: boolean;
  /** Destroys the socket with an AbortError when aborted. */
  signal?: AbortSignal;
  /** Applied once connected, as setNoDelay(true) / setKeepAlive(true, keepAliveInitialDelay). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /**
   * Reads go into `buffer` (or the buffer a function returns, asked again after each read) and
   * to `callback(bytes, buffer)` instead of 'data'; false from callback pauses the socket.
   */
  onread?: nodeNet.OnReadOpts;
}

/** dns.lookup's shape: one address (family 4 or 6), or all of them when `options.all`. */
export type LookupFunction = (
  hostname: string,
  options: { family?: number | string | undefined; hints: number; all?: boolean },
  callback: (error: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void,
) => void;

export interface SocketConnectOptions {
  port?: number | string;
  host?: string;
  /** A named pipe (`\\.\pipe\name`) instead of TCP. */
  path?: string;
  localAddress?: string;
  localPort?: number;
  family?: number | string;
  hints?: number;
  lookup?: LookupFunction;
  autoSelectFamily?: boolean;
  autoSelectFamilyAttemptTimeout?: number;
  /** net.connect only: setTimeout(timeout) on the new socket. */
  timeout?: number;
}

export type ConnectCallback = () => void;

const OBJECT_MODE_OPTIONS = ['objectMode', 'readableObjectMode', 'writableObjectMode'] as const;

/** net's rule: a string that does not read as a non-negative number names a pipe. */
function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !(Number(value) >= 0);
}

/**
 * connect()'s arguments as one options object and the callback, as net reads them:
 * (options[, cb]), (path[, cb]) or (port[, host][, cb]).
 */
export function normalizeConnectArgs(args: readonly unknown[]): [SocketConnectOptions & SocketOptions, ConnectCallback | undefined] {
  if (args.length === 0) return [{}, undefined];
  const [first, second] = args;
  let options: Record<string, unknown>;
  if (typeof first === 'object' && first !== null) options = first as Record<string, unknown>;
  else if (isPipeName(first)) options = { path: first };
  else {
    options = { port: first };
    if (args.length > 1 && typeof second === 'string') options.host = second;
  }
  const last = args.at(-1);
  return [options, typeof last === 'function' ? (last as ConnectCallback) : undefined];
}

/**
 * The user reads of net's `onread` option. As net, an option that is not an object with a
 * buffer (a Uint8Array or a function) and a callback is ignored.
 */
export function userReadsOf(socket: { pause(): unknown }, onread: unknown): UserReads | undefined {
  if (typeof onread !== 'object' || onread === null) return undefined;
  const { buffer, callback } = onread as { buffer?: unknown; callback?: unknown };
  if ((!isUint8Array(buffer) && typeof buffer !== 'function') || typeof callback !== 'function') return undefined;
  const next = typeof buffer === 'function' ? (buffer as () => unknown) : () => buffer;
  let current: Uint8Array | undefined;
  return {
    buffer: () => {
      if (current !== undefined) return current;
      const given = next.call(undefined);
      if (!isUint8Array(given)) throw invalidArgType('options.onread.buffer', 'an instance of Buffer or Uint8Array', given);
      // An empty buffer has no room for a read (reading into it would look like the end of the
      // data): ENOBUFS, as node reports it.
      if (given.length === 0) throw netSystemError('read', 'ENOBUFS');
      current = given;
      return given;
    },
    deliver: (bytes, filled) => {
      // A function is asked for a fresh buffer before the next read: this one is the user's now.
      if (typeof buffer === 'function') current = undefined;
      if ((callback as (bytes: number, buffer: Uint8Array) => unknown).call(socket, bytes, filled) === false) socket.pause();
    },
  };
}

/** The socket's options checked as node's constructor does; what the stream itself takes. */
export function streamOptionsOf(options: SocketOptions): SourceDuplexOptions {
  const record = options as Record<string, unknown>;
  for (const key of OBJECT_MODE_OPTIONS) {
    if (record[key] !== undefined && record[key] !== false && record[key] !== null && record[key] !== 0) throw invalidArgValue(`options.${key}`, record[key], 'is not supported');
  }
  if (options.keepAliveInitialDelay !== undefined) validateNumber(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
  // The signal is the socket's (addAbortSignal below), not the Duplex's; onread is the socket's too.
  const { signal: _signal, onread: _onread, ...streamOptions } = options;
  return streamOptions;
}
