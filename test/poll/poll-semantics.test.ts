// Poll's own semantics, driven by a fake selector on any OS. Proves the facade's checks, its
// closed state and its put-back of unyielded events; says nothing about the Windows path.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import type { Events } from '../../src/core/events.js';
import { Events as EventsClass } from '../../src/core/events.js';
import { Interest } from '../../src/core/interest.js';
import { Readiness } from '../../src/core/readiness.js';
import type { BackgroundWait, EventBatch, RemoteCommandTarget, Selector, SocketRegistration, WakerTarget } from '../../src/core/selector.js';
import { token, type Token } from '../../src/core/token.js';
import { Poll } from '../../src/poll/poll.js';
import type { Registry } from '../../src/poll/registry.js';
import type { Source } from '../../src/poll/source.js';

/** A selector whose waits hand out a scripted queue of events, as a platform would. */
class ScriptedSelector implements Selector {
  closed = false;
  pollsInFlight = false;
  readonly queued: { token: Token; readiness: number }[] = [];
  readonly timeouts: (number | undefined)[] = [];
  #wakeAsync: (() => void) | undefined;

  registerSocket(): SocketRegistration {
    throw new Error('not used');
  }
  reregisterSocket(): void {}
  deregisterSocket(): void {}
  rearmSocket(): void {}
  socketReadDrained(): void {}
  startBackgroundWait(_deliver: (batch: EventBatch) => void, _fail: (error: Error) => void): BackgroundWait {
    throw new Error('not used');
  }
  select(events: Events, timeoutMs: number | undefined): void {
    this.timeouts.push(timeoutMs);
    this.#fill(events);
  }
  async selectAsync(events: Events, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    this.timeouts.push(timeoutMs);
    if (this.queued.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.#wakeAsync = resolve;
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    this.#fill(events);
  }
  putBack(events: Events, from: number): void {
    const back: { token: Token; readiness: number }[] = [];
    for (let i = from; i < events.length; i++) {
      const event = events.get(i);
      if (event !== undefined) back.push({ token: event.token, readiness: event.readiness });
    }
    this.queued.unshift(...back);
  }
  wakerTarget(): WakerTarget {
    throw new Error('not used');
  }
  remoteCommandTarget(): RemoteCommandTarget {
    throw new Error('not used');
  }
  onRemoteCommands(): void {}
  close(): void {
    this.closed = true;
  }
  deliver(...tokens: number[]): void {
    for (const value of tokens) this.queued.push({ token: token(value), readiness: Readiness.READABLE });
    this.#wakeAsync?.();
    this.#wakeAsync = undefined;
  }
  #fill(events: Events): void {
    events.clear();
    while (this.queued.length > 0) {
      const next = this.queued[0];
      if (next === undefined || !events.push(next.token, next.readiness)) break;
      this.queued.shift();
    }
  }
}

function fakePoll(): { poll: Poll; selector: ScriptedSelector } {
  const selector = new ScriptedSelector();
  return { poll: new Poll({ selectorFactory: () => selector }), selector };
}

describe('Poll over a selector factory', () => {
  it('checks its arguments before the selector is asked', () => {
    const { poll, selector } = fakePoll();
    expect(() => poll.poll({} as Events)).toThrow(InvalidArgumentError);
    expect(() => poll.poll(new EventsClass(4), -1)).toThrow(InvalidArgumentError);
    expect(() => poll.poll(new EventsClass(4), Number.NaN)).toThrow(InvalidArgumentError);
    expect(selector.timeouts).toEqual([]);
    expect(() => new Poll({ selectorFactory: 42 as unknown as () => Selector })).toThrow(InvalidArgumentError);
  });

  it('treats a timeout past what the platform can count as forever', () => {
    const { poll, selector } = fakePoll();
    poll.poll(new EventsClass(4), 0xffff_fffe);
    poll.poll(new EventsClass(4), 25);
    expect(selector.timeouts).toEqual([undefined, 25]);
  });

  it('refuses every wait once closed, and closes its selector', async () => {
    const { poll, selector } = fakePoll();
    poll.close();
    expect(selector.closed).toBe(true);
    expect(poll.closed).toBe(true);
    expect(() => poll.poll(new EventsClass(4))).toThrow(InvalidStateError);
    await expect(poll.pollAsync(new EventsClass(4))).rejects.toMatchObject({ code: 'ERR_POLL_CLOSED' });
    const source: Source = { register: () => undefined, reregister: () => undefined, deregister: () => undefined };
    expect(() => poll.registry().register(source, 1, Interest.READABLE)).toThrow(InvalidStateError);
  });

  it('hands a registry to the source it registers, with the checked token', () => {
    const { poll } = fakePoll();
    const calls: [Registry, Token, Interest][] = [];
    const source: Source = {
      register: (registry, given, interest) => calls.push([registry, given, interest]),
      reregister: () => undefined,
      deregister: () => undefined,
    };
    poll.registry().register(source, 7, Interest.WRITABLE);
    expect(calls).toEqual([[poll.registry(), token(7), Interest.WRITABLE]]);
    expect(() => poll.registry().register(source, -1, Interest.READABLE)).toThrow();
    expect(() => poll.registry().register({} as Source, 1, Interest.READABLE)).toThrow(InvalidArgumentError);
  });

  it('gives back the events a broken for-await loop did not see', async () => {
    const { poll, selector } = fakePoll();
    selector.deliver(1, 2, 3);
    const seen: number[] = [];
    for await (const event of poll) {
      seen.push(event.token);
      break;
    }
    expect(seen).toEqual([1]);
    const events = new EventsClass(8);
    poll.poll(events, 0);
    expect([...events].map((event) => event.token)).toEqual([2, 3]);
  });

  it('ends a for-await loop waiting for events when the Poll closes under it', async () => {
    const { poll, selector } = fakePoll();
    const loop = (async () => {
      const seen: number[] = [];
      for await (const event of poll) {
        seen.push(event.token);
        if (seen.length === 1) {
          poll.close();
          selector.deliver();
        }
      }
      return seen;
    })();
    setTimeout(() => selector.deliver(9), 5);
    expect(await loop).toEqual([9]);
  });
});
