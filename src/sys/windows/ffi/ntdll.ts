// ntdll.dll: the native calls behind AFD polling.
import { bindLibrary } from './koffi-loader.js';
import { STATUS_PENDING, STATUS_SUCCESS } from './constants.js';
import { ntStatusError } from './win-error.js';

export const ntdll = bindLibrary('ntdll.dll', {
  NtCreateFile:
    'uint32_t __stdcall NtCreateFile(void *FileHandle, uint32_t DesiredAccess, void *ObjectAttributes, void *IoStatusBlock, void *AllocationSize, uint32_t FileAttributes, uint32_t ShareAccess, uint32_t CreateDisposition, uint32_t CreateOptions, void *EaBuffer, uint32_t EaLength)',
  NtDeviceIoControlFile:
    'uint32_t __stdcall NtDeviceIoControlFile(void *FileHandle, void *Event, void *ApcRoutine, void *ApcContext, void *IoStatusBlock, uint32_t IoControlCode, void *InputBuffer, uint32_t InputBufferLength, void *OutputBuffer, uint32_t OutputBufferLength)',
  RtlNtStatusToDosError: 'uint32_t __stdcall RtlNtStatusToDosError(uint32_t Status)',
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
