// AFD must be polled with the base provider's socket, not a layered (LSP) wrapper of it.
import { SystemError } from '../../core/errors.js';
import { SIO_BASE_HANDLE, SIO_BSP_HANDLE, SIO_BSP_HANDLE_POLL, SIO_BSP_HANDLE_SELECT, SOL_SOCKET, SO_TYPE, win32Error, ws2_32 } from './ffi/index.js';

// Some layered providers refuse SIO_BASE_HANDLE but still answer the older queries.
const fallbackQueries = [SIO_BSP_HANDLE_SELECT, SIO_BSP_HANDLE_POLL, SIO_BSP_HANDLE];

export function baseSocketOf(socket: bigint): bigint {
  // Wine answers SIO_BASE_HANDLE for any handle value, socket or not (Windows fails it with
  // WSAENOTSOCK). Asking for the socket type first rejects a non-socket or closed handle here,
  // with ENOTSOCK, on both; otherwise the first AFD poll would silently drop the registration.
  ws2_32.getSockOptInt(socket, SOL_SOCKET, SO_TYPE);
  const out = Buffer.alloc(8);
  let baseError: unknown;
  try {
    ws2_32.wsaIoctl(socket, SIO_BASE_HANDLE, null, out);
    return out.readBigUInt64LE(0);
  } catch (error) {
    baseError = error;
  }
  for (const query of fallbackQueries) {
    try {
      ws2_32.wsaIoctl(socket, query, null, out);
    } catch {
      continue;
    }
    const candidate = out.readBigUInt64LE(0);
    if (candidate !== socket) return candidate;
  }
  throw baseError instanceof SystemError ? win32Error('WSAIoctl', baseError.osCode, '(SIO_BASE_HANDLE)') : baseError;
}
