import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Event } from '../../src/core/event.js';
import { Events } from '../../src/core/events.js';
import { Readiness } from '../../src/core/readiness.js';
import { token } from '../../src/core/token.js';

const { READABLE, WRITABLE } = Readiness;

describe('Events capacity', () => {
  it('keeps the capacity it was built with', () => {
    expect(new Events(1).capacity).toBe(1);
    expect(new Events(1024).capacity).toBe(1024);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('rejects capacity %s', (capacity) => {
    expect(() => new Events(capacity)).toThrow(InvalidArgumentError);
  });

  it('rejects non-numbers with the invalid-argument code', () => {
    try {
      new Events('8' as unknown as number);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe('ERR_INVALID_ARG_VALUE');
    }
  });

  it('fills up to capacity and refuses more', () => {
    const events = new Events(2);
    expect(events.push(token(1), READABLE)).toBe(true);
    expect(events.push(token(2), WRITABLE)).toBe(true);
    expect(events.push(token(3), READABLE)).toBe(false);
    expect(events.length).toBe(2);
    expect([...events].map((e) => e.token)).toEqual([1, 2]);
  });
});

describe('Events contents', () => {
  it('starts empty', () => {
    const events = new Events(4);
    expect(events.isEmpty()).toBe(true);
    expect(events.length).toBe(0);
    expect([...events]).toEqual([]);
    expect(events.get(0)).toBeUndefined();
  });

  it('iterates pushed events in order', () => {
    const events = new Events(8);
    events.push(token(10), READABLE);
    events.push(token(11), WRITABLE);
    events.push(token(10), READABLE | Readiness.READ_CLOSED);
    expect(events.isEmpty()).toBe(false);
    expect(events.length).toBe(3);
    const seen = [...events].map((e) => [e.token, e.isReadable(), e.isWritable(), e.isReadClosed()]);
    expect(seen).toEqual([
      [10, true, false, false],
      [11, false, true, false],
      [10, true, false, true],
    ]);
    for (const event of events) expect(event).toBeInstanceOf(Event);
  });

  it('get() returns the event at an index, undefined outside the filled range', () => {
    const events = new Events(4);
    events.push(token(7), WRITABLE);
    expect(events.get(0)?.token).toBe(7);
    expect(events.get(1)).toBeUndefined();
    expect(events.get(-1)).toBeUndefined();
    expect(events.get(0.5)).toBeUndefined();
    expect(events.get(Number.NaN)).toBeUndefined();
  });

  it('clear() empties it so it can be filled again', () => {
    const events = new Events(2);
    events.push(token(1), READABLE);
    events.push(token(2), READABLE);
    events.clear();
    expect(events.isEmpty()).toBe(true);
    expect(events.length).toBe(0);
    expect([...events]).toEqual([]);
    expect(events.get(0)).toBeUndefined();
    expect(events.push(token(3), WRITABLE)).toBe(true);
    expect(events.length).toBe(1);
    expect(events.get(0)?.token).toBe(3);
    expect(events.get(0)?.isWritable()).toBe(true);
  });

  it('events handed out earlier keep their values after clear() and refill', () => {
    const events = new Events(1);
    events.push(token(1), READABLE);
    const first = events.get(0);
    events.clear();
    events.push(token(2), WRITABLE);
    expect(first?.token).toBe(1);
    expect(first?.isReadable()).toBe(true);
    expect(events.get(0)?.token).toBe(2);
  });

  it('reuses an equal Event from the previous fill', () => {
    const events = new Events(1);
    events.push(token(1), READABLE);
    const first = events.get(0);
    events.clear();
    events.push(token(1), READABLE);
    expect(events.get(0)).toBe(first);
  });

  it('iteration stops when cleared midway', () => {
    const events = new Events(4);
    events.push(token(1), READABLE);
    events.push(token(2), READABLE);
    const seen: number[] = [];
    for (const event of events) {
      seen.push(event.token);
      events.clear();
    }
    expect(seen).toEqual([1]);
  });

  it('push() validates like Event does', () => {
    const events = new Events(2);
    expect(() => events.push(token(1), 128)).toThrow(InvalidArgumentError);
    expect(events.length).toBe(0);
  });
});
