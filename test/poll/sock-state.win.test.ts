// SockState's polls, one by one, against a recording AFD: the read side of a poll is either
// whole (RECEIVE with DISCONNECT) or absent. Under Wine a poll asking for DISCONNECT (or ACCEPT)
// without RECEIVE makes the wineserver spin on unread bytes (docs/architecture.md, Wine: "a poll
// that data cannot complete"); test/net/read-side-poll.win.test.ts measures that spin, this
// file pins the rule without timing. Windows-only because the poll block is native memory.
import { describe, expect, it } from 'vitest';
import { Interest } from '../../src/core/interest.js';
import type { Afd } from '../../src/sys/windows/afd.js';
import { afdFlagsForInterest } from '../../src/sys/windows/afd-readiness.js';
import {
  AFD_POLL_ACCEPT,
  AFD_POLL_DISCONNECT,
  AFD_POLL_LOCAL_CLOSE,
  AFD_POLL_RECEIVE,
  AFD_POLL_SEND,
  IO_STATUS_BLOCK,
  STATUS_CANCELLED,
  type NativeMemory,
} from '../../src/sys/windows/ffi/index.js';
import { POLL_BLOCK, SockState } from '../../src/sys/windows/sock-state.js';

const READ_SIDE = AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT | AFD_POLL_ACCEPT;

/** An AFD that records the flags of every poll issued and completes them on request. */
class RecordingAfd {
  readonly polled: number[] = [];
  cancels = 0;
  #block: NativeMemory | undefined;

  poll(_info: bigint, block: NativeMemory): boolean {
    this.#block = block;
    this.polled.push(block.u32(POLL_BLOCK.handleEvents) & ~AFD_POLL_LOCAL_CLOSE);
    return false;
  }

  cancel(): void {
    this.cancels++;
  }

  /** Writes the result of the poll in flight, as the kernel would before its completion is dequeued. */
  fire(flags: number): void {
    const block = this.#block as NativeMemory;
    block.setI32(IO_STATUS_BLOCK.status, 0);
    block.setU32(POLL_BLOCK.numberOfHandles, 1);
    block.setU32(POLL_BLOCK.handleEvents, flags);
  }

  /** Writes the result of a cancelled poll. */
  fireCancelled(): void {
    (this.#block as NativeMemory).setU32(IO_STATUS_BLOCK.status, STATUS_CANCELLED);
  }

  /** The read-side flags of the last poll. */
  get lastReadSide(): number {
    return (this.polled.at(-1) ?? 0) & READ_SIDE;
  }
}

function registered(interest: Interest): { afd: RecordingAfd; state: SockState } {
  const afd = new RecordingAfd();
  const state = new SockState(1n, 1n, afd as unknown as Afd);
  state.setInterest(afdFlagsForInterest(interest), 7);
  state.update();
  return { afd, state };
}

/** Completes the poll in flight with `flags` and issues the next one, as the selector does. */
function fireAndRepoll(afd: RecordingAfd, state: SockState, flags: number): number {
  afd.fire(flags);
  const report = state.complete();
  state.update();
  return report?.flags ?? 0;
}

describe('SockState: the read side of a poll is whole or absent', () => {
  it('after RECEIVE fired, the next poll leaves the whole read side out (WRITABLE still polled)', () => {
    const { afd, state } = registered(Interest.READABLE.add(Interest.WRITABLE));
    expect(afd.lastReadSide & (AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT)).toBe(AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
    expect(fireAndRepoll(afd, state, AFD_POLL_RECEIVE) & AFD_POLL_RECEIVE).toBe(AFD_POLL_RECEIVE);
    expect(afd.lastReadSide).toBe(0);
    expect((afd.polled.at(-1) ?? 0) & AFD_POLL_SEND).toBe(AFD_POLL_SEND);
  });

  it('a short read (readDrained) polls RECEIVE with DISCONNECT, never DISCONNECT alone', () => {
    const { afd, state } = registered(Interest.READABLE);
    fireAndRepoll(afd, state, AFD_POLL_RECEIVE);
    // The read side is out; the idle poll still asks for the errors.
    expect(afd.lastReadSide).toBe(0);
    // The selector would cancel the poll in flight to issue the new one; here it completes empty.
    afd.fire(0);
    state.complete();
    expect(state.readDrained()).toBe(true);
    state.update();
    expect(afd.lastReadSide & (AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT)).toBe(AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
  });

  it('a WouldBlock re-arm brings the whole read side back', () => {
    const { afd, state } = registered(Interest.READABLE);
    fireAndRepoll(afd, state, AFD_POLL_RECEIVE);
    afd.fire(0);
    state.complete();
    state.addInterest(afdFlagsForInterest(Interest.READABLE));
    state.update();
    expect(afd.lastReadSide & (AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT)).toBe(AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT);
  });

  /**
   * A fixed pseudo-random walk of `steps` over reports from `reports`, short reads and re-arms,
   * each made with the poll completed first or while it is still in flight (the selector then
   * cancels it). After every step the last poll issued must have a whole read side or none.
   */
  function walk(reports: number[], steps: number): { withReadSide: number; withoutReadSide: number; cancels: number } {
    const { afd, state } = registered(Interest.READABLE.add(Interest.WRITABLE));
    // Park and Miller's generator: the same walk every run, so a failure repeats.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    let withReadSide = 0;
    let withoutReadSide = 0;
    for (let i = 0; i < steps; i++) {
      const action = next(4);
      if (action === 0) fireAndRepoll(afd, state, reports[next(reports.length)] as number);
      else {
        const inFlight = next(2) === 0;
        if (!inFlight) {
          afd.fire(0);
          state.complete();
        }
        const cancelsBefore = afd.cancels;
        if (action === 1) state.readDrained();
        else if (action === 2) state.addInterest(afdFlagsForInterest(Interest.READABLE));
        else state.addInterest(afdFlagsForInterest(Interest.WRITABLE));
        state.update();
        if (afd.cancels > cancelsBefore) {
          // The cancelled poll reports back; then the selector issues the new one.
          afd.fireCancelled();
          state.complete();
          state.update();
        }
      }
      const readSide = afd.lastReadSide;
      if (readSide === 0) withoutReadSide++;
      else {
        withReadSide++;
        expect(readSide & (AFD_POLL_RECEIVE | AFD_POLL_ACCEPT), `step ${i}, poll ${afd.polled.length}: read side ${readSide}`).not.toBe(0);
        if ((readSide & AFD_POLL_DISCONNECT) !== 0) expect(readSide & AFD_POLL_RECEIVE, `step ${i}: read side ${readSide}`).toBe(AFD_POLL_RECEIVE);
      }
    }
    return { withReadSide, withoutReadSide, cancels: afd.cancels };
  }

  it('no walk of reports, short reads and re-arms issues DISCONNECT without RECEIVE, or a read side without RECEIVE or ACCEPT', () => {
    const stream = walk([AFD_POLL_RECEIVE, AFD_POLL_SEND, AFD_POLL_DISCONNECT, AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT, AFD_POLL_ACCEPT, 0], 500);
    // Both states were visited, and polls were cancelled in flight: the walk is not vacuous.
    expect(stream.withReadSide).toBeGreaterThan(50);
    expect(stream.withoutReadSide).toBeGreaterThan(50);
    expect(stream.cancels).toBeGreaterThan(10);
    // A listener only ever reports ACCEPT: its ACCEPT stays wanted, and held after each report.
    const listener = walk([AFD_POLL_ACCEPT, 0], 500);
    expect(listener.withReadSide).toBeGreaterThan(50);
    expect(listener.withoutReadSide).toBeGreaterThan(50);
  });
});
