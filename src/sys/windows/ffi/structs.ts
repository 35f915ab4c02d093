// Every Windows structure mio-ts hands to the OS, x64 layout. The koffi declarations are the
// source of truth; the offset tables below are what hot paths use on NativeMemory, and the
// Windows suite checks that both agree.
import { loadKoffi } from './koffi-loader.js';
import type * as KoffiModule from 'koffi';

type TypeObject = KoffiModule.TypeObject;

export const OVERLAPPED = { size: 32, internal: 0, internalHigh: 8, offset: 16, offsetHigh: 20, hEvent: 24 } as const;
export const OVERLAPPED_ENTRY = { size: 32, completionKey: 0, overlapped: 8, internal: 16, bytesTransferred: 24 } as const;
export const IO_STATUS_BLOCK = { size: 16, status: 0, information: 8 } as const;
export const AFD_POLL_HANDLE_INFO = { size: 16, handle: 0, events: 8, status: 12 } as const;
/** AFD_POLL_INFO with room for exactly one handle, the way mio polls one socket at a time. */
export const AFD_POLL_INFO = { size: 32, timeout: 0, numberOfHandles: 8, exclusive: 12, handles: 16 } as const;
export const UNICODE_STRING = { size: 16, length: 0, maximumLength: 2, buffer: 8 } as const;
export const OBJECT_ATTRIBUTES = {
  size: 48,
  length: 0,
  rootDirectory: 8,
  objectName: 16,
  attributes: 24,
  securityDescriptor: 32,
  securityQualityOfService: 40,
} as const;
export const SOCKADDR_IN = { size: 16, family: 0, port: 2, addr: 4 } as const;
export const SOCKADDR_IN6 = { size: 28, family: 0, port: 2, flowinfo: 4, addr: 8, scopeId: 24 } as const;
export const SOCKADDR_STORAGE = { size: 128 } as const;
export const WSABUF = { size: 16, len: 0, buf: 8 } as const;
/** x64 WSADATA: the pointer comes before the description strings (unlike x86). */
export const WSADATA = { size: 408, version: 0, highVersion: 2, maxSockets: 4, maxUdpDg: 6, vendorInfo: 8, description: 16, systemStatus: 273 } as const;
export const IP_MREQ = { size: 8, multiaddr: 0, interface: 4 } as const;
export const IPV6_MREQ = { size: 20, multiaddr: 0, interface: 16 } as const;

export interface StructTypes {
  OVERLAPPED: TypeObject;
  OVERLAPPED_ENTRY: TypeObject;
  IO_STATUS_BLOCK: TypeObject;
  AFD_POLL_HANDLE_INFO: TypeObject;
  AFD_POLL_INFO: TypeObject;
  UNICODE_STRING: TypeObject;
  OBJECT_ATTRIBUTES: TypeObject;
  SOCKADDR_IN: TypeObject;
  SOCKADDR_IN6: TypeObject;
  SOCKADDR_STORAGE: TypeObject;
  WSABUF: TypeObject;
  WSADATA: TypeObject;
  IP_MREQ: TypeObject;
  IPV6_MREQ: TypeObject;
}

let types: StructTypes | undefined;

/** The koffi declarations of the structures above (Windows only). */
export function structTypes(): StructTypes {
  if (types !== undefined) return types;
  const koffi = loadKoffi();
  const handleInfo = koffi.struct('AFD_POLL_HANDLE_INFO', { Handle: 'void *', Events: 'uint32_t', Status: 'int32_t' });
  types = {
    OVERLAPPED: koffi.struct('OVERLAPPED', {
      Internal: 'uintptr_t',
      InternalHigh: 'uintptr_t',
      Offset: 'uint32_t',
      OffsetHigh: 'uint32_t',
      hEvent: 'void *',
    }),
    OVERLAPPED_ENTRY: koffi.struct('OVERLAPPED_ENTRY', {
      lpCompletionKey: 'uintptr_t',
      lpOverlapped: 'void *',
      Internal: 'uintptr_t',
      dwNumberOfBytesTransferred: 'uint32_t',
    }),
    IO_STATUS_BLOCK: koffi.struct('IO_STATUS_BLOCK', { Status: 'intptr_t', Information: 'uintptr_t' }),
    AFD_POLL_HANDLE_INFO: handleInfo,
    AFD_POLL_INFO: koffi.struct('AFD_POLL_INFO', {
      Timeout: 'int64_t',
      NumberOfHandles: 'uint32_t',
      Exclusive: 'uint32_t',
      Handles: koffi.array(handleInfo, 1),
    }),
    UNICODE_STRING: koffi.struct('UNICODE_STRING', { Length: 'uint16_t', MaximumLength: 'uint16_t', Buffer: 'void *' }),
    OBJECT_ATTRIBUTES: koffi.struct('OBJECT_ATTRIBUTES', {
      Length: 'uint32_t',
      RootDirectory: 'void *',
      ObjectName: 'void *',
      Attributes: 'uint32_t',
      SecurityDescriptor: 'void *',
      SecurityQualityOfService: 'void *',
    }),
    SOCKADDR_IN: koffi.struct('SOCKADDR_IN', {
      sin_family: 'uint16_t',
      sin_port: 'uint16_be_t',
      sin_addr: koffi.array('uint8_t', 4),
      sin_zero: koffi.array('uint8_t', 8),
    }),
    SOCKADDR_IN6: koffi.struct('SOCKADDR_IN6', {
      sin6_family: 'uint16_t',
      sin6_port: 'uint16_be_t',
      sin6_flowinfo: 'uint32_t',
      sin6_addr: koffi.array('uint8_t', 16),
      sin6_scope_id: 'uint32_t',
    }),
    SOCKADDR_STORAGE: koffi.struct('SOCKADDR_STORAGE', {
      ss_family: 'uint16_t',
      ss_pad1: koffi.array('uint8_t', 6),
      ss_align: 'int64_t',
      ss_pad2: koffi.array('uint8_t', 112),
    }),
    WSABUF: koffi.struct('WSABUF', { len: 'uint32_t', buf: 'void *' }),
    WSADATA: koffi.struct('WSADATA', {
      wVersion: 'uint16_t',
      wHighVersion: 'uint16_t',
      iMaxSockets: 'uint16_t',
      iMaxUdpDg: 'uint16_t',
      lpVendorInfo: 'void *',
      szDescription: koffi.array('char', 257),
      szSystemStatus: koffi.array('char', 129),
    }),
    IP_MREQ: koffi.struct('IP_MREQ', { imr_multiaddr: 'uint32_t', imr_interface: 'uint32_t' }),
    IPV6_MREQ: koffi.struct('IPV6_MREQ', { ipv6mr_multiaddr: koffi.array('uint8_t', 16), ipv6mr_interface: 'uint32_t' }),
  };
  return types;
}

/** SECURITY_ATTRIBUTES (x64): a DWORD, padding, the descriptor pointer, a BOOL. */
export const SECURITY_ATTRIBUTES = { size: 24, length: 0, securityDescriptor: 8, inheritHandle: 16 } as const;
/** TOKEN_USER starts with SID_AND_ATTRIBUTES, whose first member is the PSID. */
export const TOKEN_USER = { sid: 0 } as const;
