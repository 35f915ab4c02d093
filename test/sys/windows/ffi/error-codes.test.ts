// The Windows-to-Node error translation is pure data, so it is tested on every OS.
import { getSystemErrorMap } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SystemError } from '../../../../src/core/errors.js';
import { codeForNtStatus, codeForWin32Error, ntStatusCodes, win32ErrorCodes } from '../../../../src/sys/windows/ffi/error-codes.js';
import { ntStatusError, toAddress, win32Error } from '../../../../src/sys/windows/ffi/win-error.js';

// The errno Node itself uses for a code name in this runtime.
function nodeErrno(code: string): number {
  for (const [errno, [name]] of getSystemErrorMap()) if (name === code) return errno;
  throw new Error(`no errno for ${code} in this runtime`);
}

describe('codeForWin32Error', () => {
  it.each([
    [10061, 'ECONNREFUSED'], // WSAECONNREFUSED
    [10048, 'EADDRINUSE'], // WSAEADDRINUSE
    [10054, 'ECONNRESET'], // WSAECONNRESET
    [232, 'EPIPE'], // ERROR_NO_DATA
    [10060, 'ETIMEDOUT'], // WSAETIMEDOUT
    [10057, 'ENOTCONN'], // WSAENOTCONN
    [87, 'EINVAL'], // ERROR_INVALID_PARAMETER
    [2, 'ENOENT'], // ERROR_FILE_NOT_FOUND
    [10013, 'EACCES'], // WSAEACCES
    [10035, 'EAGAIN'], // WSAEWOULDBLOCK
    [1225, 'ECONNREFUSED'], // ERROR_CONNECTION_REFUSED
    [995, 'ECANCELED'], // ERROR_OPERATION_ABORTED
  ])('%i -> %s', (os, code) => {
    expect(codeForWin32Error(os)).toBe(code);
  });

  it.each([0, 9999, 123456, -1])('%i -> UNKNOWN', (os) => {
    expect(codeForWin32Error(os)).toBe('UNKNOWN');
  });
});

describe('codeForNtStatus', () => {
  it('translates NTSTATUS values, signed or unsigned', () => {
    expect(codeForNtStatus(0xc0000236)).toBe('ECONNREFUSED');
    expect(codeForNtStatus(0xc0000236 | 0)).toBe('ECONNREFUSED'); // as a signed int32 from koffi
    expect(codeForNtStatus(0xc000020d)).toBe('ECONNRESET');
    expect(codeForNtStatus(0xc0000120)).toBe('ECANCELED');
  });

  it('gives UNKNOWN for anything else', () => {
    expect(codeForNtStatus(0)).toBe('UNKNOWN');
    expect(codeForNtStatus(0xc0001234)).toBe('UNKNOWN');
  });
});

describe('translation tables', () => {
  it('only produce codes that this Node runtime knows (so errno is never 0)', () => {
    const known = new Set([...getSystemErrorMap().values()].map(([name]) => name));
    for (const code of [...win32ErrorCodes.values(), ...ntStatusCodes.values(), 'UNKNOWN']) expect(known, code).toContain(code);
  });

  it('key NTSTATUS values as unsigned 32-bit numbers', () => {
    for (const status of ntStatusCodes.keys()) expect(status >>> 0).toBe(status);
  });
});

describe('win32Error', () => {
  it('builds a Node-style SystemError', () => {
    const error = win32Error('connect', 10061);
    expect(error).toBeInstanceOf(SystemError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SystemError');
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.errno).toBe(nodeErrno('ECONNREFUSED'));
    expect(error.errno).toBeLessThan(0);
    expect(error.syscall).toBe('connect');
    expect(error.osCode).toBe(10061);
    expect(error.message).toContain('connect');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('10061');
  });

  it.each([
    [10048, 'EADDRINUSE', 'bind'],
    [10054, 'ECONNRESET', 'WSARecv'],
    [232, 'EPIPE', 'WriteFile'],
    [10060, 'ETIMEDOUT', 'connect'],
    [10057, 'ENOTCONN', 'shutdown'],
    [87, 'EINVAL', 'CreateIoCompletionPort'],
    [2, 'ENOENT', 'CreateFileW'],
    [10013, 'EACCES', 'bind'],
  ])('%i is %s with the errno Node uses', (os, code, syscall) => {
    const error = win32Error(syscall, os);
    expect(error.code).toBe(code);
    expect(error.errno).toBe(nodeErrno(code));
    expect(error.syscall).toBe(syscall);
    expect(error.osCode).toBe(os);
  });


  it('puts the detail in the message', () => {
    expect(win32Error('connect', 10061, '127.0.0.1:1').message).toContain('127.0.0.1:1');
  });

  it('reports unknown codes as UNKNOWN and keeps the raw code', () => {
    const error = win32Error('DeviceIoControl', 4242);
    expect(error.code).toBe('UNKNOWN');
    expect(error.errno).toBe(nodeErrno('UNKNOWN'));
    expect(error.osCode).toBe(4242);
  });

  it('leaves address, port and path for callers to fill in', () => {
    const error = win32Error('connect', 10061);
    expect(error.address).toBeUndefined();
    error.address = '127.0.0.1';
    error.port = 1;
    expect({ address: error.address, port: error.port }).toEqual({ address: '127.0.0.1', port: 1 });
  });
});

describe('ntStatusError', () => {
  it('translates from the static table', () => {
    const error = ntStatusError('NtDeviceIoControlFile', 0xc0000236);
    expect(error).toBeInstanceOf(SystemError);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.errno).toBe(nodeErrno('ECONNREFUSED'));
    expect(error.syscall).toBe('NtDeviceIoControlFile');
    expect(error.osCode).toBe(0xc0000236);
    expect(error.message).toContain('0xc0000236');
  });

  it('normalizes a signed status to unsigned', () => {
    const error = ntStatusError('NtCreateFile', 0xc0000236 | 0);
    expect(error.osCode).toBe(0xc0000236);
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('falls back to RtlNtStatusToDosError for statuses the table lacks', () => {
    const seen: number[] = [];
    const error = ntStatusError('NtCreateFile', 0xc0001234, (status) => {
      seen.push(status);
      return 10054;
    });
    expect(seen).toEqual([0xc0001234]);
    expect(error.code).toBe('ECONNRESET');
    expect(error.osCode).toBe(0xc0001234);
  });

  it('prefers the table over the fallback', () => {
    let called = false;
    const error = ntStatusError('x', 0xc0000236, () => {
      called = true;
      return 2;
    });
    expect(called).toBe(false);
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('is UNKNOWN without a translation', () => {
    expect(ntStatusError('x', 0xc0001234).code).toBe('UNKNOWN');
    expect(ntStatusError('x', 0xc0001234, () => 999999).code).toBe('UNKNOWN');
  });
});

describe('toAddress', () => {
  it('maps null and undefined to 0n', () => {
    expect(toAddress(null)).toBe(0n);
    expect(toAddress(undefined)).toBe(0n);
  });

  it('keeps bigints and numbers as unsigned 64-bit values', () => {
    expect(toAddress(0x7ffe0000n)).toBe(0x7ffe0000n);
    expect(toAddress(4096)).toBe(4096n);
    expect(toAddress(-1n)).toBe(2n ** 64n - 1n);
    expect(toAddress(-1)).toBe(2n ** 64n - 1n);
    expect(toAddress(2n ** 64n + 5n)).toBe(5n);
  });

  it('rejects anything else', () => {
    expect(() => toAddress('0x1000')).toThrow(TypeError);
    expect(() => toAddress({})).toThrow(/not a native address/);
  });
});
