// Test-only: makes a chosen native call fail with a chosen result and last error, so the error
// paths that a healthy Wine never takes can be proven (a typed error, nothing lost, no crash).
// Not exported from the package. While no fault is armed the bound functions are the original
// koffi functions: a fault costs nothing once restored.
import { InvalidArgumentError } from '../../../core/errors.js';
import { kernel32 } from './kernel32.js';
import { boundLibrary, type KoffiFunction } from './koffi-loader.js';

export interface FaultSpec {
  /** e.g. 'ws2_32.dll' */
  dll: string;
  /** The function's name as declared, e.g. 'send', 'NtDeviceIoControlFile', 'ReadFile'. */
  name: string;
  /** What the call returns instead of running: SOCKET_ERROR, FALSE (0), an NTSTATUS... */
  returns: number | bigint;
  /** Set as the thread's last error (GetLastError and WSAGetLastError read it), if given. */
  lastError?: number;
  /** How many calls fail before the original comes back; 1 by default. */
  times?: number;
}

export interface InjectedFault {
  /** Calls that failed so far. */
  readonly hits: number;
  /** Puts the original back now (idempotent). */
  restore(): void;
}

/** Arms a fault on the next `times` calls of `spec.name`. */
export function injectFault(spec: FaultSpec): InjectedFault {
  const times = spec.times ?? 1;
  if (!Number.isSafeInteger(times) || times < 1) throw new InvalidArgumentError(`times must be a positive integer, got ${String(times)}`);
  const functions = boundLibrary(spec.dll);
  const original = functions?.[spec.name];
  if (functions === undefined || original === undefined) throw new InvalidArgumentError(`no bound function ${spec.dll}!${spec.name}`);
  // SetLastError is resolved before arming: a fault on kernel32 itself must not recurse.
  const setLastError = kernel32().SetLastError;
  let hits = 0;
  let armed = true;
  const restore = (): void => {
    if (!armed) return;
    armed = false;
    functions[spec.name] = original;
  };
  const failing = ((): number | bigint => {
    hits++;
    if (hits >= times) restore();
    if (spec.lastError !== undefined) setLastError(spec.lastError);
    return spec.returns;
  }) as unknown as KoffiFunction;
  functions[spec.name] = failing;
  return {
    get hits() {
      return hits;
    },
    restore,
  };
}
