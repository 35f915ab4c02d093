// The FFI layer against the real OS (Windows, or Windows Node under Wine).
import { describe, expect, it } from 'vitest';
import {
  AFD_POLL_INFO,
  AFD_POLL_HANDLE_INFO,
  IO_STATUS_BLOCK,
  OBJECT_ATTRIBUTES,
  OVERLAPPED,
  OVERLAPPED_ENTRY,
  SOCKADDR_IN,
  SOCKADDR_IN6,
  SOCKADDR_STORAGE,
  UNICODE_STRING,
  WSABUF,
  WSADATA,
  IP_MREQ,
  IPV6_MREQ,
  structTypes,
  kernel32,
  ws2_32,
  loadKoffi,
} from '../../../../src/sys/windows/ffi/index.js';
import { SystemError } from '../../../../src/core/errors.js';

describe('structure layouts (x64)', () => {
  const tables = {
    OVERLAPPED,
    OVERLAPPED_ENTRY,
    IO_STATUS_BLOCK,
    AFD_POLL_HANDLE_INFO,
    AFD_POLL_INFO,
    UNICODE_STRING,
    OBJECT_ATTRIBUTES,
    SOCKADDR_IN,
    SOCKADDR_IN6,
    SOCKADDR_STORAGE,
    WSABUF,
    WSADATA,
    IP_MREQ,
    IPV6_MREQ,
  } as const;

  it.each(Object.keys(tables) as (keyof typeof tables)[])('%s: the offset table matches koffi', (name) => {
    const koffi = loadKoffi();
    const type = structTypes()[name];
    expect(koffi.sizeof(type)).toBe(tables[name].size);
    const members = Object.values(type.members ?? {}).map((m) => m.offset);
    const offsets = Object.entries(tables[name])
      .filter(([key]) => key !== 'size')
      .map(([, offset]) => offset);
    for (const offset of offsets) expect(members).toContain(offset);
  });
});

describe('last-error handling', () => {
  it('GetLastError survives the FFI round trip', () => {
    kernel32.kernel32().SetLastError(12345);
    expect(kernel32.getLastError()).toBe(12345);
  });

  it('a Winsock call on a non-socket gives a typed ENOTSOCK error', () => {
    ws2_32.wsaStartup();
    let caught: unknown;
    try {
      ws2_32.listen(0x7777n, 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SystemError);
    expect(caught).toMatchObject({ code: 'ENOTSOCK', syscall: 'listen', osCode: 10038 });
    expect((caught as SystemError).errno).toBeLessThan(0);
  });
});
