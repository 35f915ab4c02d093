// mio's Event: one readiness notification for a registered source.
import { inspect } from 'node:util';
import { InvalidArgumentError } from './errors.js';
import { Readiness, formatReadiness, isReadinessBits, type ReadinessBits } from './readiness.js';
import { isToken, type Token } from './token.js';

export interface EventJSON {
  token: number;
  readable: boolean;
  writable: boolean;
  error: boolean;
  readClosed: boolean;
  writeClosed: boolean;
  priority: boolean;
}

export class Event {
  readonly token: Token;
  /** The raw readiness bits (see `Readiness`). */
  readonly readiness: ReadinessBits;

  constructor(token: Token, readiness: ReadinessBits) {
    // Cheap checks: a bad value here is a selector bug and should fail loudly, not misreport.
    if (!isToken(token)) throw new InvalidArgumentError(`not a token: ${String(token)}`);
    if (!isReadinessBits(readiness)) throw new InvalidArgumentError(`not a readiness bit set: ${String(readiness)}`);
    this.token = token;
    this.readiness = readiness;
    Object.freeze(this);
  }

  isReadable(): boolean {
    return (this.readiness & Readiness.READABLE) !== 0;
  }

  isWritable(): boolean {
    return (this.readiness & Readiness.WRITABLE) !== 0;
  }

  isError(): boolean {
    return (this.readiness & Readiness.ERROR) !== 0;
  }

  isReadClosed(): boolean {
    return (this.readiness & Readiness.READ_CLOSED) !== 0;
  }

  isWriteClosed(): boolean {
    return (this.readiness & Readiness.WRITE_CLOSED) !== 0;
  }

  isPriority(): boolean {
    return (this.readiness & Readiness.PRIORITY) !== 0;
  }

  /** POSIX AIO does not exist on Windows; kept for mio API parity. */
  isAio(): boolean {
    return false;
  }

  /** LIO does not exist on Windows; kept for mio API parity. */
  isLio(): boolean {
    return false;
  }

  toJSON(): EventJSON {
    return {
      token: this.token,
      readable: this.isReadable(),
      writable: this.isWritable(),
      error: this.isError(),
      readClosed: this.isReadClosed(),
      writeClosed: this.isWriteClosed(),
      priority: this.isPriority(),
    };
  }

  /** "Event(token 3: READABLE | WRITABLE)". */
  toString(): string {
    return `Event(token ${this.token}: ${formatReadiness(this.readiness)})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
