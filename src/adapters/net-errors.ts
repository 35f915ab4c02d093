// The drop-in's argument and state errors, shaped as node:net's: the same `code`, the same base
// class as `name` (RangeError, TypeError, Error) and the same wording, so code (and Node's own
// tests) that match on them keep working when net is swapped for mio-ts/net.
import { getSystemErrorMap, inspect } from 'node:util';
import { SystemError } from '../core/errors.js';

/** An error with node's `code`; `name` stays the base class's, as node's own errors. */
function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  return error as E & { code: string };
}

/** How node describes a received value in its messages. */
export function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return `Received ${String(value)}`;
  if (typeof value === 'function') return `Received function ${value.name === '' ? '<anonymous>' : value.name}`;
  if (typeof value === 'object') {
    const constructorName = (value as { constructor?: { name?: string } }).constructor?.name;
    return constructorName !== undefined && constructorName !== '' ? `Received an instance of ${constructorName}` : `Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

/** ERR_INVALID_ARG_TYPE; `expected` reads after "must be", e.g. 'of type number'. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError & { code: string } {
  const what = name.includes('.') ? 'property' : 'argument';
  return withCode(new TypeError(`The "${name}" ${what} must be ${expected}. ${describeReceived(actual)}`), 'ERR_INVALID_ARG_TYPE');
}

/** ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & { code: string } {
  const what = name.includes('.') ? 'property' : 'argument';
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return withCode(new TypeError(`The ${what} '${name}' ${reason}. Received ${shown}`), 'ERR_INVALID_ARG_VALUE');
}

/** ERR_OUT_OF_RANGE. */
export function outOfRange(name: string, range: string, received: unknown): RangeError & { code: string } {
  const shown = typeof received === 'number' || typeof received === 'bigint' ? String(received) : inspect(received);
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`), 'ERR_OUT_OF_RANGE');
}

/** ERR_SOCKET_BAD_PORT. */
export function badPort(name: string, port: unknown, allowZero: boolean): RangeError & { code: string } {
  const bound = allowZero ? '>=' : '>';
  return withCode(new RangeError(`${name} should be ${bound} 0 and < 65536. ${describeReceived(port)}.`), 'ERR_SOCKET_BAD_PORT');
}

/** ERR_MISSING_ARGS, e.g. missingArgs('options', 'port', 'path'). */
export function missingArgs(...names: string[]): TypeError & { code: string } {
  const listed = names.map((name) => `"${name}"`);
  const joined = listed.length <= 2 ? listed.join(' or ') : `${listed.slice(0, -1).join(', ')}, or ${listed.at(-1) ?? ''}`;
  return withCode(new TypeError(`The ${joined} argument${names.length > 1 ? 's' : ''} must be specified`), 'ERR_MISSING_ARGS');
}

/** ERR_INVALID_IP_ADDRESS. */
export function invalidIpAddress(address: unknown): TypeError & { code: string } {
  return withCode(new TypeError(`Invalid IP address: ${String(address)}`), 'ERR_INVALID_IP_ADDRESS');
}

/** ERR_SERVER_ALREADY_LISTEN. */
export function serverAlreadyListening(): Error & { code: string } {
  return withCode(new Error('Listen method has been called more than once without closing.'), 'ERR_SERVER_ALREADY_LISTEN');
}

/** ERR_SERVER_NOT_RUNNING. */
export function serverNotRunning(): Error & { code: string } {
  return withCode(new Error('Server is not running.'), 'ERR_SERVER_NOT_RUNNING');
}

/** ERR_SOCKET_CLOSED. */
export function socketClosed(): Error & { code: string } {
  return withCode(new Error('Socket is closed'), 'ERR_SOCKET_CLOSED');
}

/** ERR_SOCKET_CLOSED_BEFORE_CONNECTION. */
export function socketClosedBeforeConnection(): Error & { code: string } {
  return withCode(new Error('Socket closed before the connection was established'), 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION');
}

/** ABORT_ERR, as node's AbortError (`name` 'AbortError'); `cause` is the signal's reason. */
export function abortError(cause?: unknown): Error & { code: string } {
  const error = withCode(new Error('The operation was aborted', cause === undefined ? undefined : { cause }), 'ABORT_ERR');
  error.name = 'AbortError';
  return error;
}

/** EPIPE of a write after the peer ended a socket that is not half-open. */
export function endedByPeer(): Error & { code: string } {
  return withCode(new Error('This socket has been ended by the other party'), 'EPIPE');
}

/** ERR_MISSING_ARGS for alternatives, one array in node: 'The "a" or "b" argument must be specified'. */
export function missingOneOfArgs(...names: string[]): TypeError & { code: string } {
  return withCode(new TypeError(`The ${names.map((name) => `"${name}"`).join(' or ')} argument must be specified`), 'ERR_MISSING_ARGS');
}

/** ERR_INVALID_ADDRESS_FAMILY: a lookup answered with a family other than 4 or 6. */
export function invalidAddressFamily(family: unknown, host: unknown, port: unknown): RangeError & { code: string; host: unknown; port: unknown } {
  const error = withCode(new RangeError(`Invalid address family: ${String(family)} ${String(host)}:${String(port)}`), 'ERR_INVALID_ADDRESS_FAMILY') as RangeError & {
    code: string;
    host: unknown;
    port: unknown;
  };
  error.host = host;
  error.port = port;
  return error;
}

/** libuv's (negative) errno for a code such as 'ENOENT', from node's own table; undefined if unknown. */
function uvErrno(code: string): number | undefined {
  for (const [errno, [name]] of getSystemErrorMap()) if (name === code) return errno;
  return undefined;
}

/**
 * An operating-system failure of `syscall` shaped as node:net reports it: name Error, message
 * "connect ECONNREFUSED 127.0.0.1:80" (or "read ECONNRESET" without an address), and code,
 * errno, syscall, address and port (when not 0).
 */
export function netSystemError(syscall: string, code: string, address?: string, port?: number, errno?: number): Error & { code: string; errno: number | undefined; syscall: string; address?: string; port?: number } {
  const where = address === undefined ? '' : port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const error = withCode(new Error(`${syscall} ${code}${where}`), code) as Error & { code: string; errno: number | undefined; syscall: string; address?: string; port?: number };
  error.errno = errno ?? uvErrno(code);
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined && port > 0) error.port = port;
  return error;
}

const READ_CALLS = new Set(['recv', 'WSARecv', 'ReadFile']);
const WRITE_CALLS = new Set(['send', 'WSASend', 'WriteFile']);

/** A failed read or write as net names it: "read ECONNRESET", "write EPIPE". */
export function transferError(error: Error): Error {
  if (!(error instanceof SystemError)) return error;
  const syscall = READ_CALLS.has(error.syscall) ? 'read' : WRITE_CALLS.has(error.syscall) ? 'write' : undefined;
  return syscall === undefined ? error : netSystemError(syscall, error.code, undefined, undefined, error.errno);
}

/** Errors of a connection attempt in node's shape ("connect ECONNREFUSED 127.0.0.1:80"). */
export function connectError(error: unknown, target: { address: string; port: number } | undefined): Error {
  if (!(error instanceof SystemError)) return error as Error;
  const address = error.address ?? target?.address ?? '';
  const port = error.port ?? target?.port;
  return netSystemError(error.syscall, error.code, address, port, error.errno);
}
