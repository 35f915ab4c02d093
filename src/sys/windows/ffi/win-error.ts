// Builds SystemErrors from Windows error codes, translated with the table in error-codes.ts.
import { SystemError } from '../../../core/errors.js';
import { codeForNtStatus, codeForWin32Error } from './error-codes.js';

/** A SystemError for a Win32 or Winsock error code. */
export function win32Error(syscall: string, error: number, detail?: string): SystemError {
  return new SystemError(codeForWin32Error(error), syscall, error, detail);
}

/**
 * A SystemError for an NTSTATUS. `toWin32` (RtlNtStatusToDosError) gives the precise mapping
 * when native code is at hand; the static table is the fallback.
 */
export function ntStatusError(syscall: string, status: number, toWin32?: (status: number) => number): SystemError {
  const unsigned = status >>> 0;
  let code = codeForNtStatus(unsigned);
  if (code === 'UNKNOWN' && toWin32 !== undefined) code = codeForWin32Error(toWin32(unsigned));
  return new SystemError(code, syscall, unsigned, `(NTSTATUS 0x${unsigned.toString(16).padStart(8, '0')})`);
}

/** Normalizes what koffi returns for a pointer or pointer-sized integer to a bigint. */
export function toAddress(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return BigInt.asUintN(64, value);
  if (typeof value === 'number') return BigInt.asUintN(64, BigInt(value));
  throw new TypeError(`not a native address: ${typeof value}`);
}
