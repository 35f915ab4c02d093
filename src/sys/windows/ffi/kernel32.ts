// kernel32.dll: completion ports, handles and named pipes.
import { bindLibrary } from './koffi-loader.js';
import { ERROR_NOT_FOUND, ERROR_SEM_TIMEOUT, INVALID_HANDLE_VALUE, WAIT_TIMEOUT } from './constants.js';
import { toAddress, win32Error } from './win-error.js';

/** Declared once here; the completion pump's worker binds the same prototypes (completion-pump.ts). */
export const GET_QUEUED_COMPLETION_STATUS_EX =
  'int __stdcall GetQueuedCompletionStatusEx(void *CompletionPort, void *CompletionPortEntries, uint32_t ulCount, void *ulNumEntriesRemoved, uint32_t dwMilliseconds, int fAlertable)';
export const GET_LAST_ERROR = 'uint32_t __stdcall GetLastError()';

export const kernel32 = bindLibrary('kernel32.dll', {
  CreateIoCompletionPort:
    'void * __stdcall CreateIoCompletionPort(void *FileHandle, void *ExistingCompletionPort, uintptr_t CompletionKey, uint32_t NumberOfConcurrentThreads)',
  GetQueuedCompletionStatusEx: GET_QUEUED_COMPLETION_STATUS_EX,
  PostQueuedCompletionStatus:
    'int __stdcall PostQueuedCompletionStatus(void *CompletionPort, uint32_t dwNumberOfBytesTransferred, uintptr_t dwCompletionKey, void *lpOverlapped)',
  CloseHandle: 'int __stdcall CloseHandle(void *hObject)',
  CancelIoEx: 'int __stdcall CancelIoEx(void *hFile, void *lpOverlapped)',
  GetOverlappedResult: 'int __stdcall GetOverlappedResult(void *hFile, void *lpOverlapped, void *lpNumberOfBytesTransferred, int bWait)',
  SetFileCompletionNotificationModes: 'int __stdcall SetFileCompletionNotificationModes(void *FileHandle, uint8_t Flags)',
  CreateNamedPipeW:
    'void * __stdcall CreateNamedPipeW(str16 lpName, uint32_t dwOpenMode, uint32_t dwPipeMode, uint32_t nMaxInstances, uint32_t nOutBufferSize, uint32_t nInBufferSize, uint32_t nDefaultTimeOut, void *lpSecurityAttributes)',
  ConnectNamedPipe: 'int __stdcall ConnectNamedPipe(void *hNamedPipe, void *lpOverlapped)',
  WaitNamedPipeW: 'int __stdcall WaitNamedPipeW(str16 lpNamedPipeName, uint32_t nTimeOut)',
  DisconnectNamedPipe: 'int __stdcall DisconnectNamedPipe(void *hNamedPipe)',
  CreateFileW:
    'void * __stdcall CreateFileW(str16 lpFileName, uint32_t dwDesiredAccess, uint32_t dwShareMode, void *lpSecurityAttributes, uint32_t dwCreationDisposition, uint32_t dwFlagsAndAttributes, void *hTemplateFile)',
  ReadFile: 'int __stdcall ReadFile(void *hFile, void *lpBuffer, uint32_t nNumberOfBytesToRead, void *lpNumberOfBytesRead, void *lpOverlapped)',
  WriteFile: 'int __stdcall WriteFile(void *hFile, void *lpBuffer, uint32_t nNumberOfBytesToWrite, void *lpNumberOfBytesWritten, void *lpOverlapped)',
  GetLastError: GET_LAST_ERROR,
  SetLastError: 'void __stdcall SetLastError(uint32_t dwErrCode)',
  GetCurrentProcess: 'void * __stdcall GetCurrentProcess()',
  GetProcessHandleCount: 'int __stdcall GetProcessHandleCount(void *hProcess, _Out_ uint32_t *pdwHandleCount)',
  GetHandleInformation: 'int __stdcall GetHandleInformation(void *hObject, _Out_ uint32_t *lpdwFlags)',
  SetHandleInformation: 'int __stdcall SetHandleInformation(void *hObject, uint32_t dwMask, uint32_t dwFlags)',
  SetNamedPipeHandleState:
    'int __stdcall SetNamedPipeHandleState(void *hNamedPipe, _Inout_ uint32_t *lpMode, void *lpMaxCollectionCount, void *lpCollectDataTimeout)',
  SleepEx: 'uint32_t __stdcall SleepEx(uint32_t dwMilliseconds, int bAlertable)',
  LocalFree: 'void * __stdcall LocalFree(void *hMem)',
});

export function getLastError(): number {
  return kernel32().GetLastError() as number;
}

function fail(syscall: string, detail?: string): never {
  throw win32Error(syscall, getLastError(), detail);
}

/** Creates a port (file 0n) or associates `file` with `existingPort` under `key`. */
export function createIoCompletionPort(file: bigint, existingPort: bigint, key: bigint, concurrentThreads: number): bigint {
  const port = toAddress(kernel32().CreateIoCompletionPort(file === 0n ? INVALID_HANDLE_VALUE : file, existingPort === 0n ? null : existingPort, key, concurrentThreads));
  if (port === 0n) fail('CreateIoCompletionPort');
  return port;
}

// Scratch for synchronous calls only: each thread has its own module instance.
const removedScratch = Buffer.alloc(4);

/**
 * Dequeues up to `count` completions into the OVERLAPPED_ENTRY array at `entries`, blocking the
 * calling thread up to `timeoutMs`. Returns how many were removed, 0 on timeout.
 */
export function getQueuedCompletionStatusEx(port: bigint, entries: bigint, count: number, timeoutMs: number): number {
  const ok = kernel32().GetQueuedCompletionStatusEx(port, entries, count, removedScratch, timeoutMs, 0) as number;
  if (ok !== 0) return removedScratch.readUInt32LE(0);
  const error = getLastError();
  if (error === WAIT_TIMEOUT) return 0;
  throw win32Error('GetQueuedCompletionStatusEx', error);
}

/**
 * The same wait on a koffi worker thread, so Node's event loop keeps running. The Win32 error
 * of a failed wait lives on that thread, so only success or failure is reported.
 */
export function getQueuedCompletionStatusExAsync(port: bigint, entries: bigint, count: number, removedOut: bigint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    kernel32().GetQueuedCompletionStatusEx.async(port, entries, count, removedOut, timeoutMs, 0, (error: unknown, ok: number) => {
      if (error) reject(error instanceof Error ? error : new Error('GetQueuedCompletionStatusEx async call failed'));
      else resolve(ok !== 0);
    });
  });
}

export function postQueuedCompletionStatus(port: bigint, bytes: number, key: bigint, overlapped: bigint): void {
  const ok = kernel32().PostQueuedCompletionStatus(port, bytes, key, overlapped === 0n ? null : overlapped) as number;
  if (ok === 0) fail('PostQueuedCompletionStatus');
}

export function closeHandle(handle: bigint): void {
  if ((kernel32().CloseHandle(handle) as number) === 0) fail('CloseHandle');
}

/** Cancels one overlapped operation (or all, with 0n). False when nothing was left to cancel. */
export function cancelIoEx(handle: bigint, overlapped: bigint): boolean {
  if ((kernel32().CancelIoEx(handle, overlapped === 0n ? null : overlapped) as number) !== 0) return true;
  const error = getLastError();
  if (error === ERROR_NOT_FOUND) return false;
  throw win32Error('CancelIoEx', error);
}

export interface OverlappedOutcome {
  /** 0 on success, otherwise the Win32 error of the operation. */
  error: number;
  bytes: number;
}

/** The result of a finished overlapped operation; never waits. */
export function getOverlappedResult(handle: bigint, overlapped: bigint): OverlappedOutcome {
  const bytesOut = Buffer.alloc(4);
  const ok = kernel32().GetOverlappedResult(handle, overlapped, bytesOut, 0) as number;
  return { error: ok !== 0 ? 0 : getLastError(), bytes: bytesOut.readUInt32LE(0) };
}

export function setFileCompletionNotificationModes(handle: bigint, flags: number): void {
  if ((kernel32().SetFileCompletionNotificationModes(handle, flags) as number) === 0) fail('SetFileCompletionNotificationModes');
}

export function createNamedPipeW(
  name: string,
  openMode: number,
  pipeMode: number,
  maxInstances: number,
  outBufferSize: number,
  inBufferSize: number,
  defaultTimeoutMs: number,
  securityAttributes = 0n,
): bigint {
  const handle = toAddress(
    kernel32().CreateNamedPipeW(name, openMode, pipeMode, maxInstances, outBufferSize, inBufferSize, defaultTimeoutMs, securityAttributes === 0n ? null : securityAttributes),
  );
  if (handle === INVALID_HANDLE_VALUE || handle === 0n) fail('CreateNamedPipeW', name);
  return handle;
}

/**
 * Whether a pipe of this name exists (an instance is listening, or all of them are busy), asked
 * without connecting to it: WaitNamedPipeW for at most 1 ms.
 */
export function namedPipeExists(name: string): boolean {
  if ((kernel32().WaitNamedPipeW(name, 1) as number) !== 0) return true;
  // ERROR_SEM_TIMEOUT: it exists, and no instance was free within the millisecond.
  return getLastError() === ERROR_SEM_TIMEOUT;
}

/** Starts an overlapped connect; returns 0 or the raw Win32 error for the caller to interpret. */
export function connectNamedPipe(pipe: bigint, overlapped: bigint): number {
  return (kernel32().ConnectNamedPipe(pipe, overlapped) as number) !== 0 ? 0 : getLastError();
}

export function disconnectNamedPipe(pipe: bigint): void {
  if ((kernel32().DisconnectNamedPipe(pipe) as number) === 0) fail('DisconnectNamedPipe');
}

export function createFileW(name: string, access: number, shareMode: number, disposition: number, flags: number): bigint {
  const handle = toAddress(kernel32().CreateFileW(name, access, shareMode, null, disposition, flags, null));
  if (handle === INVALID_HANDLE_VALUE || handle === 0n) fail('CreateFileW', name);
  return handle;
}

/** Starts an overlapped read; returns 0 or the raw Win32 error (ERROR_IO_PENDING included). */
export function readFile(file: bigint, buffer: bigint, length: number, overlapped: bigint): number {
  return (kernel32().ReadFile(file, buffer, length, null, overlapped) as number) !== 0 ? 0 : getLastError();
}

/** Starts an overlapped write; returns 0 or the raw Win32 error (ERROR_IO_PENDING included). */
export function writeFile(file: bigint, buffer: bigint, length: number, overlapped: bigint): number {
  return (kernel32().WriteFile(file, buffer, length, null, overlapped) as number) !== 0 ? 0 : getLastError();
}

/** Open handles of this process: the leak detector of the Windows suite. */
export function getProcessHandleCount(): number {
  const count: number[] = [0];
  if ((kernel32().GetProcessHandleCount(kernel32().GetCurrentProcess(), count) as number) === 0) fail('GetProcessHandleCount');
  // Wine's GetProcessHandleCount is a stub answering 0 (a real process always holds handles),
  // which would make every leak test pass: count the valid handle values instead.
  return count[0] || countValidHandles();
}

// Handle values are multiples of 4, handed out lowest free first, so the table is dense: past a
// long run of invalid values there are no more handles.
const HANDLE_STEP = 4n;
const HANDLE_SCAN_GAP = 4096;

/**
 * This process's open handles, found by asking GetHandleInformation about each handle value.
 * The system handle table (NtQuerySystemInformation) would say the same, but under Wine 10.0
 * that query never returns (docs/architecture.md, Wine).
 */
function countValidHandles(): number {
  const flags: number[] = [0];
  let count = 0;
  let invalidRun = 0;
  for (let handle = HANDLE_STEP; invalidRun < HANDLE_SCAN_GAP; handle += HANDLE_STEP) {
    if ((kernel32().GetHandleInformation(handle, flags) as number) !== 0) {
      count++;
      invalidRun = 0;
    } else invalidRun++;
  }
  return count;
}

/** Switches a pipe handle's read mode (PIPE_READMODE_BYTE or PIPE_READMODE_MESSAGE). */
export function setNamedPipeReadMode(pipe: bigint, mode: number): void {
  if ((kernel32().SetNamedPipeHandleState(pipe, [mode], null, null) as number) === 0) fail('SetNamedPipeHandleState');
}

/**
 * An alertable sleep of the calling thread. Under Wine the results of overlapped I/O are written
 * into the issuing thread's memory by a system APC that only runs while that thread waits in
 * wineserver; a plain Sleep never does, an alertable one does.
 */
export function sleepAlertable(ms: number): void {
  kernel32().SleepEx(ms, 1);
}

/** Frees memory the system allocated with LocalAlloc (SDDL conversions, string SIDs). */
export function localFree(memory: bigint): void {
  if (memory !== 0n) kernel32().LocalFree(memory);
}

const HANDLE_FLAG_INHERIT = 0x1;

/** Whether child processes would inherit `handle`. */
export function isHandleInheritable(handle: bigint): boolean {
  const flags: number[] = [0];
  if ((kernel32().GetHandleInformation(handle, flags) as number) === 0) fail('GetHandleInformation');
  return ((flags[0] ?? 0) & HANDLE_FLAG_INHERIT) !== 0;
}

/** Makes sure child processes do not inherit `handle`. */
export function setHandleNotInheritable(handle: bigint): void {
  if ((kernel32().SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0) as number) === 0) fail('SetHandleInformation');
}
