// What net.Server#listen() takes, read as node reads it: `listen([port[, host[, backlog]]][, cb])`,
// `listen(path[, backlog][, cb])` or `listen(options[, cb])`, and a bind failure in node's shape.
import { SystemError } from '../core/errors.js';
import { invalidArgValue } from './net-errors.js';
import { isPortLike, validateAbortSignal, validatePort } from './net-validation.js';

export interface ListenOptions {
  /** A named pipe (`\\\\.\\pipe\\name`) instead of a TCP port. */
  path?: string;
  port?: number | string | null;
  host?: string;
  backlog?: number;
  ipv6Only?: boolean;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
}

/** Where to listen, once listen()'s arguments are read. */
export type ListenTarget = { kind: 'pipe'; path: string } | { kind: 'tcp'; port: number; host: string | undefined; backlog: number | undefined; ipv6Only: boolean };

/** A positive integer backlog, or undefined for the system's default (as net ignores others). */
function backlogOf(value: unknown): number | undefined {
  const backlog = Number(value);
  return Number.isInteger(backlog) && backlog > 0 ? backlog : undefined;
}

/** A bind/listen failure as net reports it: syscall 'listen', with the address (and port). */
export function listenError(error: unknown, address: string, port?: number): unknown {
  if (!(error instanceof SystemError)) return error;
  const tagged = new SystemError(error.code, 'listen', error.osCode, port === undefined ? address : `${address}:${port}`);
  tagged.address = address;
  if (port !== undefined) tagged.port = port;
  return tagged;
}

/** Reads `listen()`'s forms into one target; throws net's errors for bad input. */
export function parseListenArgs(args: readonly unknown[]): { target: ListenTarget; signal: AbortSignal | undefined } {
  const [first, second, third] = args;
  if (typeof first === 'object' && first !== null) {
    const options = first as Record<string, unknown>;
    validateAbortSignal(options.signal, 'options.signal');
    const signal = options.signal;
    // Listening on an existing handle or descriptor has no equivalent over mio-ts sockets. An fd
    // that is no descriptor (-1) is ignored, as net does, and the port or path checks follow.
    const handle = options._handle ?? options.handle;
    if ((typeof handle === 'object' && handle !== null) || (typeof options.fd === 'number' && Number.isInteger(options.fd) && options.fd >= 0)) {
      throw invalidArgValue('options', options, 'is a handle or file descriptor, which mio-ts/net cannot listen on');
    }
    const backlog = backlogOf(options.backlog);
    // Of port and path, port wins when both are given.
    if ('port' in options) {
      if (options.host !== undefined && typeof options.host !== 'string') throw invalidArgValue('options', options);
      const host = options.host;
      const port = options.port;
      if (port === undefined || port === null) return { target: { kind: 'tcp', port: 0, host, backlog, ipv6Only: options.ipv6Only === true }, signal };
      if (typeof port !== 'number' && typeof port !== 'string') throw invalidArgValue('options', options);
      return { target: { kind: 'tcp', port: validatePort(port, 'options.port'), host, backlog, ipv6Only: options.ipv6Only === true }, signal };
    }
    if ('path' in options) {
      if (typeof options.path !== 'string' || options.path === '') throw invalidArgValue('options', options);
      return { target: { kind: 'pipe', path: options.path }, signal };
    }
    throw invalidArgValue('options', options, 'must have the property "port" or "path"');
  }
  // A string that reads as a number is a port ('8080'; '' and '-1' are bad ports), else a path.
  if (typeof first === 'string' && first.trim() !== '' && !isPortLike(first)) return { target: { kind: 'pipe', path: first }, signal: undefined };
  const host = typeof second === 'string' ? second : undefined;
  const backlog = typeof second === 'number' ? backlogOf(second) : backlogOf(third);
  if (first === undefined || first === null) return { target: { kind: 'tcp', port: 0, host, backlog, ipv6Only: false }, signal: undefined };
  if (typeof first !== 'number' && typeof first !== 'string') throw invalidArgValue('options', { port: first, host, backlog });
  return { target: { kind: 'tcp', port: validatePort(first, 'options.port'), host, backlog, ipv6Only: false }, signal: undefined };
}
