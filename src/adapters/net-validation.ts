// Argument checks of the drop-in, with node:net's errors (net-errors.ts): they run before any
// native call, so bad input is a typed throw and never reaches the FFI.
import { badPort, invalidArgType, outOfRange } from './net-errors.js';

/** A port as net takes it: an integer or a numeric string, 0 to 65535 (1 to 65535 without zero). */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  const numeric = typeof port === 'number' || (typeof port === 'string' && port.trim() !== '') ? Number(port) : NaN;
  if (!Number.isInteger(numeric) || numeric < 0 || numeric > 0xffff || (numeric === 0 && !allowZero)) throw badPort(name, port, allowZero);
  return numeric;
}

/** Whether `port` is something net reads as a port (a number, or a string of digits). */
export function isPortLike(port: unknown): boolean {
  return typeof port === 'number' || (typeof port === 'string' && port.trim() !== '' && !Number.isNaN(Number(port)));
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
}

export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
}

export function validateObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidArgType(name, 'of type object', value);
}

/** A number in [min, max]; NaN and non-numbers are refused. */
export function validateNumber(value: unknown, name: string, min = -Infinity, max = Infinity): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (Number.isNaN(value) || value < min || value > max) {
    const range = Number.isFinite(min) && Number.isFinite(max) ? `>= ${min} && <= ${max}` : Number.isFinite(min) ? `>= ${min}` : `<= ${max}`;
    throw outOfRange(name, range, value);
  }
}

/** An integer in [min, max] (int32 by default). */
export function validateInteger(value: unknown, name: string, min = -2147483648, max = 2147483647): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

export function validateAbortSignal(value: unknown, name: string): asserts value is AbortSignal | undefined {
  if (value !== undefined && (value === null || typeof value !== 'object' || !('aborted' in value))) throw invalidArgType(name, 'an instance of AbortSignal', value);
}
