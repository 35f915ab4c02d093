import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Event } from '../../src/core/event.js';
import { Readiness, formatReadiness, isReadinessBits } from '../../src/core/readiness.js';
import { token, type Token } from '../../src/core/token.js';

const predicates = {
  READABLE: (e: Event) => e.isReadable(),
  WRITABLE: (e: Event) => e.isWritable(),
  ERROR: (e: Event) => e.isError(),
  READ_CLOSED: (e: Event) => e.isReadClosed(),
  WRITE_CLOSED: (e: Event) => e.isWriteClosed(),
  PRIORITY: (e: Event) => e.isPriority(),
} as const;

describe('Readiness', () => {
  it('has distinct single-bit values', () => {
    expect(Readiness).toEqual({ READABLE: 1, WRITABLE: 2, ERROR: 4, READ_CLOSED: 8, WRITE_CLOSED: 16, PRIORITY: 32 });
    const values = Object.values(Readiness);
    expect(values.reduce((a, b) => a | b, 0)).toBe(63);
  });

  it('formats bit sets', () => {
    expect(formatReadiness(0)).toBe('(empty)');
    expect(formatReadiness(Readiness.READABLE | Readiness.READ_CLOSED)).toBe('READABLE | READ_CLOSED');
  });

  it('validates bit sets', () => {
    expect(isReadinessBits(0)).toBe(true);
    expect(isReadinessBits(63)).toBe(true);
    expect(isReadinessBits(64)).toBe(false);
    expect(isReadinessBits(-1)).toBe(false);
    expect(isReadinessBits(1.5)).toBe(false);
  });
});

describe('Event', () => {
  it('carries its token', () => {
    expect(new Event(token(9), Readiness.READABLE).token).toBe(9);
  });

  it.each(Object.keys(predicates) as (keyof typeof predicates)[])('%s sets exactly its predicate', (name) => {
    const event = new Event(token(1), Readiness[name]);
    for (const [other, predicate] of Object.entries(predicates)) {
      expect(predicate(event), `${other} on a ${name} event`).toBe(other === name);
    }
  });

  it('combines flags', () => {
    const event = new Event(token(2), Readiness.READABLE | Readiness.WRITABLE | Readiness.ERROR);
    expect(event.isReadable()).toBe(true);
    expect(event.isWritable()).toBe(true);
    expect(event.isError()).toBe(true);
    expect(event.isReadClosed()).toBe(false);
    expect(event.readiness).toBe(7);
  });

  it('allows an empty readiness set', () => {
    const event = new Event(token(0), 0);
    expect(Object.values(predicates).some((p) => p(event))).toBe(false);
  });

  it('never reports AIO or LIO (Windows has neither)', () => {
    const event = new Event(token(3), 63);
    expect(event.isAio()).toBe(false);
    expect(event.isLio()).toBe(false);
  });

  it('is immutable', () => {
    const event = new Event(token(4), Readiness.READABLE);
    expect(Object.isFrozen(event)).toBe(true);
    expect(() => {
      (event as unknown as { readiness: number }).readiness = 2;
    }).toThrow(TypeError);
    expect(event.isWritable()).toBe(false);
  });

  it('rejects bad tokens and readiness', () => {
    expect(() => new Event(-1 as Token, 1)).toThrow(InvalidArgumentError);
    expect(() => new Event(1.5 as Token, 1)).toThrow(InvalidArgumentError);
    expect(() => new Event(token(1), 64)).toThrow(InvalidArgumentError);
    expect(() => new Event(token(1), -1)).toThrow(InvalidArgumentError);
    expect(() => new Event(token(1), 0.5)).toThrow(InvalidArgumentError);
  });

  it('serializes to JSON', () => {
    const event = new Event(token(5), Readiness.WRITABLE | Readiness.WRITE_CLOSED);
    expect(event.toJSON()).toEqual({
      token: 5,
      readable: false,
      writable: true,
      error: false,
      readClosed: false,
      writeClosed: true,
      priority: false,
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event.toJSON());
  });

  it('prints readably', () => {
    const event = new Event(token(3), Readiness.READABLE | Readiness.WRITABLE);
    expect(event.toString()).toBe('Event(token 3: READABLE | WRITABLE)');
    expect(inspect(event)).toBe('Event(token 3: READABLE | WRITABLE)');
    expect(String(new Event(token(0), 0))).toBe('Event(token 0: (empty))');
  });
});
