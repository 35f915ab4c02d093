// ntdll.dll: the native calls behind AFD polling.
import { bindLibrary } from './koffi-loader.js';
import { STATUS_PENDING, STATUS_SUCCESS } from './constants.js';
import { ntStatusError } from './win-error.js';

export const ntdll = bindLibrary('ntdll.dll', {
  NtCreateFile:
    'uint32_t __stdcall NtCreateFile(void *FileHandle, uint32_t DesiredAccess, void *ObjectAttributes, void *IoStatusBlock, void *AllocationSize, uint32_t FileAttributes, uint32_t ShareAccess, uint32_t CreateDisposition, uint32_t CreateOptions, void *EaBuffer, uint32_t EaLength)',
  NtDeviceIoControlFile:
    'uint32_t __stdcall NtDeviceIoControlFile(void *FileHandle, void *Event, void *ApcRoutine, void *ApcContext, void *IoStatusBlock, uint32_t IoControlCode, void *InputBuffer, uint32_t InputBufferLength, void *OutputBuffer, uint32_t OutputBufferLength)',
  NtCancelIoFileEx: 'uint32_t __stdcall NtCancelIoFileEx(void *FileHandle, void *IoRequestToCancel, void *IoStatusBlock)',
  RtlNtStatusToDosError: 'uint32_t __stdcall RtlNtStatusToDosError(uint32_t Status)',
  NtQuerySystemInformation:
    'uint32_t __stdcall NtQuerySystemInformation(uint32_t SystemInformationClass, void *SystemInformation, uint32_t SystemInformationLength, _Out_ uint32_t *ReturnLength)',
});

/** Win32 error code for an NTSTATUS. */
export function ntStatusToWin32(status: number): number {
  return ntdll().RtlNtStatusToDosError(status >>> 0) as number;
}

/** Throws a typed error unless `status` is success (or, when allowed, pending). */
export function checkNtStatus(syscall: string, status: number, allowPending = false): number {
  const unsigned = status >>> 0;
  if (unsigned === STATUS_SUCCESS || (allowPending && unsigned === STATUS_PENDING)) return unsigned;
  throw ntStatusError(syscall, unsigned, ntStatusToWin32);
}

export function ntCreateFile(
  handleOut: Buffer,
  access: number,
  objectAttributes: bigint,
  ioStatusBlock: bigint,
  shareAccess: number,
  disposition: number,
  options: number,
): void {
  const status = ntdll().NtCreateFile(handleOut, access, objectAttributes, ioStatusBlock, null, 0, shareAccess, disposition, options, null, 0) as number;
  checkNtStatus('NtCreateFile', status);
}

/** Issues an overlapped device control; returns STATUS_PENDING or STATUS_SUCCESS, throws otherwise. */
export function ntDeviceIoControlFile(
  file: bigint,
  apcContext: bigint,
  ioStatusBlock: bigint,
  controlCode: number,
  input: bigint,
  inputLength: number,
  output: bigint,
  outputLength: number,
): number {
  const status = ntdll().NtDeviceIoControlFile(file, null, null, apcContext, ioStatusBlock, controlCode, input, inputLength, output, outputLength) as number;
  return checkNtStatus('NtDeviceIoControlFile', status, true);
}

/** Raw NtCancelIoFileEx status: callers decide what STATUS_NOT_FOUND means to them. */
export function ntCancelIoFileEx(file: bigint, request: bigint, ioStatusBlock: Buffer): number {
  return (ntdll().NtCancelIoFileEx(file, request, ioStatusBlock) as number) >>> 0;
}

// SystemExtendedHandleInformation: NumberOfHandles and a reserved word (ULONG_PTR each), then one
// SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX (40 bytes on x64) per open handle in the system, the owning
// process id at offset 8.
const SYSTEM_EXTENDED_HANDLE_INFORMATION = 64;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;
const HANDLE_TABLE_ENTRIES = 16;
const HANDLE_TABLE_ENTRY_SIZE = 40;
const HANDLE_TABLE_ENTRY_PROCESS_ID = 8;
const HANDLE_TABLE_MAX_BYTES = 256 * 1024 * 1024;

/** Handles open in process `processId`, counted in the system's handle table (a test's leak detector). */
export function countProcessHandles(processId: number): number {
  let size = 1024 * 1024;
  for (;;) {
    const table = Buffer.alloc(size);
    const needed: number[] = [0];
    const status = (ntdll().NtQuerySystemInformation(SYSTEM_EXTENDED_HANDLE_INFORMATION, table, size, needed) as number) >>> 0;
    if (status === STATUS_INFO_LENGTH_MISMATCH && size < HANDLE_TABLE_MAX_BYTES) {
      // The table grows between calls: ask for more than it needed a moment ago.
      size = Math.max(size * 2, (needed[0] ?? 0) + 64 * 1024);
      continue;
    }
    checkNtStatus('NtQuerySystemInformation', status);
    const entries = Math.min(Number(table.readBigUInt64LE(0)), Math.floor((size - HANDLE_TABLE_ENTRIES) / HANDLE_TABLE_ENTRY_SIZE));
    const owner = BigInt(processId);
    let count = 0;
    for (let i = 0; i < entries; i++) {
      if (table.readBigUInt64LE(HANDLE_TABLE_ENTRIES + i * HANDLE_TABLE_ENTRY_SIZE + HANDLE_TABLE_ENTRY_PROCESS_ID) === owner) count++;
    }
    return count;
  }
}
