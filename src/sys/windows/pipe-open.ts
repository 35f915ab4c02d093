// Opening named-pipe handles: a server instance (CreateNamedPipeW, with an optional DACL that
// admits the current user only) and a client end (CreateFileW). Both are overlapped handles, to
// be driven through a Poll's completion port by WindowsNamedPipe.
import { SystemError } from '../../core/errors.js';
import {
  ERROR_ACCESS_DENIED,
  FILE_FLAG_FIRST_PIPE_INSTANCE,
  FILE_FLAG_OVERLAPPED,
  GENERIC_READ,
  GENERIC_WRITE,
  NativeMemory,
  OPEN_EXISTING,
  PIPE_ACCESS_DUPLEX,
  PIPE_READMODE_BYTE,
  PIPE_READMODE_MESSAGE,
  PIPE_REJECT_REMOTE_CLIENTS,
  PIPE_TYPE_BYTE,
  PIPE_TYPE_MESSAGE,
  PIPE_WAIT,
  SECURITY_ATTRIBUTES,
  SECURITY_IDENTIFICATION,
  SECURITY_SQOS_PRESENT,
  advapi32,
  kernel32,
} from './ffi/index.js';

export type PipeMode = 'byte' | 'message';

/** A server instance, as validated by the public NamedPipe. */
export interface ServerPipeConfig {
  readonly name: string;
  readonly mode: PipeMode;
  /** Internal read buffer and the pipe's kernel buffer sizes. */
  readonly bufferSize: number;
  readonly firstInstance: boolean;
  readonly rejectRemoteClients: boolean;
  readonly currentUserOnly: boolean;
  readonly maxInstances: number;
}

/** A client end, as validated by the public NamedPipe. */
export interface ClientPipeConfig {
  readonly name: string;
  readonly mode: PipeMode;
  readonly bufferSize: number;
}

/** CreateNamedPipeW for a server instance; the handle, or the error with the pipe's path. */
export function createServerPipeHandle(config: ServerPipeConfig): bigint {
  const openMode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (config.firstInstance ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  const pipeMode =
    (config.mode === 'message' ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE | PIPE_READMODE_BYTE) |
    PIPE_WAIT |
    (config.rejectRemoteClients ? PIPE_REJECT_REMOTE_CLIENTS : 0);
  // Wine (8 and 10) ignores FILE_FLAG_FIRST_PIPE_INSTANCE and opens another instance of a pipe
  // that exists: ask first, so a name taken by another server is EADDRINUSE there too. Not
  // atomic, unlike the flag on Windows (README.md, Wine quirks).
  if (config.firstInstance && kernel32.namedPipeExists(config.name)) {
    throw withPath(new SystemError('EADDRINUSE', 'CreateNamedPipeW', ERROR_ACCESS_DENIED, 'the pipe name is already in use'), config.name);
  }
  const security = config.currentUserOnly ? currentUserSecurity() : undefined;
  try {
    return kernel32.createNamedPipeW(config.name, openMode, pipeMode, config.maxInstances, config.bufferSize, config.bufferSize, 0, security?.attributes.address ?? 0n);
  } catch (error) {
    throw withPath(translateCreateError(error, config.firstInstance), config.name);
  } finally {
    // CreateNamedPipeW copied the descriptor into the pipe object.
    security?.free();
  }
}

/** CreateFileW for the client end of an existing pipe, switched to message reads if asked. */
export function openClientPipeHandle(config: ClientPipeConfig): bigint {
  let handle: bigint;
  try {
    handle = kernel32.createFileW(config.name, GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION);
  } catch (error) {
    throw withPath(error, config.name);
  }
  if (config.mode === 'message') {
    try {
      kernel32.setNamedPipeReadMode(handle, PIPE_READMODE_MESSAGE);
    } catch (error) {
      kernel32.closeHandle(handle);
      throw withPath(error, config.name);
    }
  }
  return handle;
}

function withPath(error: unknown, path: string): unknown {
  if (error instanceof SystemError) error.path = path;
  return error;
}

/** Like libuv: a name already served (FILE_FLAG_FIRST_PIPE_INSTANCE) is EADDRINUSE. */
function translateCreateError(error: unknown, firstInstance: boolean): unknown {
  if (firstInstance && error instanceof SystemError && error.osCode === ERROR_ACCESS_DENIED) {
    return new SystemError('EADDRINUSE', error.syscall, error.osCode, 'the pipe name is already in use');
  }
  return error;
}

interface PipeSecurity {
  readonly attributes: NativeMemory;
  free(): void;
}

/** SECURITY_ATTRIBUTES whose DACL grants GENERIC_ALL to this process's user and nobody else. */
function currentUserSecurity(): PipeSecurity {
  const sid = advapi32.currentUserSid();
  // D:P — a protected DACL (nothing inherited); one ACE: allow GA to the user's SID.
  const descriptor = advapi32.securityDescriptorFromSddl(`D:P(A;;GA;;;${sid})`);
  const attributes = new NativeMemory(SECURITY_ATTRIBUTES.size);
  attributes.setU32(SECURITY_ATTRIBUTES.length, SECURITY_ATTRIBUTES.size);
  attributes.setU64(SECURITY_ATTRIBUTES.securityDescriptor, descriptor);
  attributes.setU32(SECURITY_ATTRIBUTES.inheritHandle, 0);
  return {
    attributes,
    free: () => {
      attributes.free();
      kernel32.localFree(descriptor);
    },
  };
}
