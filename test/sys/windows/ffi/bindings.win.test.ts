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

  /** The koffi member a table key names: Windows spells it with a prefix (lp, dw, sin6_...); the shortest prefix wins. */
  function memberFor(key: string, members: Record<string, { offset: number }>): string | undefined {
    const wanted = key.toLowerCase();
    const candidates = Object.keys(members).filter((name) => name.toLowerCase().replaceAll('_', '').endsWith(wanted));
    return candidates.sort((a, b) => a.length - b.length)[0];
  }

  it.each(Object.keys(tables) as (keyof typeof tables)[])('%s: each offset in the table is its member offset in koffi', (name) => {
    const koffi = loadKoffi();
    const type = structTypes()[name];
    expect(koffi.sizeof(type)).toBe(tables[name].size);
    const members = type.members ?? {};
    for (const [key, offset] of Object.entries(tables[name])) {
      if (key === 'size') continue;
      const member = memberFor(key, members);
      expect(member, `${name}.${key} has no koffi member`).toBeDefined();
      expect({ [key]: offset }).toEqual({ [key]: members[member as string]?.offset });
    }
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
