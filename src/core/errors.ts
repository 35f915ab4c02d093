// Error types users can act on. Node-style system errors carry `code`, `errno` and `syscall`
// the way libuv reports them; misuse of the API gets a typed error before any native call.
import { getSystemErrorMap } from 'node:util';

/** A failed system call, shaped like Node's own system errors (`err.code === 'ECONNREFUSED'`). */
export class SystemError extends Error {
  /** Node-style error name, e.g. `ECONNRESET`; `UNKNOWN` when no translation exists. */
  readonly code: string;
  /** libuv's error number for `code` in this runtime (negative), as `node:net` reports it. */
  readonly errno: number;
  readonly syscall: string;
  /** The raw Windows code: a Win32/WSA error or an NTSTATUS. */
  readonly osCode: number;
  address?: string;
  port?: number;
  path?: string;

  constructor(code: string, syscall: string, osCode: number, detail?: string) {
    const described = describe(code);
    super(`${syscall} ${code}${detail === undefined ? '' : ` ${detail}`} (${described}, os code ${osCode})`);
    this.name = 'SystemError';
    this.code = code;
    this.errno = errnoFor(code);
    this.syscall = syscall;
    this.osCode = osCode;
  }
}

/** Bad input rejected before any native call. */
export class InvalidArgumentError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** A number outside the range an option or argument allows, rejected before any native call. */
export class OutOfRangeError extends RangeError {
  readonly code = 'ERR_OUT_OF_RANGE';
  constructor(name: string, range: string, received: unknown) {
    super(`The value of "${name}" is out of range. It must be ${range}. Received ${String(received)}`);
    this.name = 'OutOfRangeError';
  }
}

/** A call that is not valid in the object's current state (closed Poll, registered twice...). */
export class InvalidStateError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'InvalidStateError';
    this.code = code;
  }
}

/** An InvalidStateError class with a fixed code and name, and a default message. */
function stateErrorClass(code: string, name: string, defaultMessage: string) {
  const named = class extends InvalidStateError {
    constructor(message = defaultMessage) {
      super(code, message);
      this.name = name;
    }
  };
  Object.defineProperty(named, 'name', { value: name });
  return named;
}

/** The Poll, or the completion port under it, is closed. */
export const PollClosedError = stateErrorClass('ERR_POLL_CLOSED', 'PollClosedError', 'the Poll is closed');
export type PollClosedError = InstanceType<typeof PollClosedError>;

/** A wait was asked of a Poll that is already waiting (one wait at a time, as in mio). */
export const PollBusyError = stateErrorClass('ERR_POLL_BUSY', 'PollBusyError', 'a poll is already in progress on this Poll');
export type PollBusyError = InstanceType<typeof PollBusyError>;

/** reregister() or deregister() of a source that is not registered. */
export const NotRegisteredError = stateErrorClass('ERR_NOT_REGISTERED', 'NotRegisteredError', 'the source is not registered');
export type NotRegisteredError = InstanceType<typeof NotRegisteredError>;

/** register() of a source that is registered already (reregister() changes a registration). */
export const AlreadyRegisteredError = stateErrorClass('ERR_ALREADY_REGISTERED', 'AlreadyRegisteredError', 'the source is already registered with a Poll');
export type AlreadyRegisteredError = InstanceType<typeof AlreadyRegisteredError>;

/** An operation on a socket this package closed already. */
export const SocketClosedError = stateErrorClass('ERR_SOCKET_CLOSED', 'SocketClosedError', 'the socket is closed');
export type SocketClosedError = InstanceType<typeof SocketClosedError>;

/** A Windows-only API used on another platform. */
export class UnsupportedPlatformError extends Error {
  readonly code = 'ERR_UNSUPPORTED_PLATFORM';
  constructor(feature: string, platform: string = process.platform) {
    super(`${feature} needs Windows (IOCP and the AFD driver); this is ${platform}`);
    this.name = 'UnsupportedPlatformError';
  }
}

let errnoByName: Map<string, number> | undefined;

function errnoTable(): Map<string, number> {
  if (errnoByName === undefined) {
    errnoByName = new Map();
    for (const [errno, [name]] of getSystemErrorMap()) errnoByName.set(name, errno);
  }
  return errnoByName;
}

/** libuv's error number for a Node-style code in the running runtime; 0 when unknown. */
export function errnoFor(code: string): number {
  return errnoTable().get(code) ?? 0;
}

function describe(code: string): string {
  const errno = errnoFor(code);
  return getSystemErrorMap().get(errno)?.[1] ?? 'unknown error';
}
