// Registration fuzz: random register/reregister/deregister/close calls on 1,000 UDP sockets
// with datagrams flowing, for 10 s through one Poll (wepoll's ctl-fuzz is the model). No event
// may name a token that is not registered at that moment (every registration gets a token never
// used before), nothing may throw but the documented errors, and once everything is closed no
// socket state, AFD handle, native block or process handle is left.
import { describe, expect, it } from 'vitest';
import { HANDLE_NOISE, quietHandleCount, settledHandleDelta } from '../fixtures/handles.js';
import { Events, Interest, Poll, UdpSocket, WOULD_BLOCK } from '../../src/index.js';
import { selectorOf } from '../../src/poll/registry.js';
import { NativeMemory } from '../../src/sys/windows/ffi/index.js';
import { WindowsSelector } from '../../src/sys/windows/selector.js';

const SOCKETS = 1_000;
const RUN_MS = 10_000;
const OPS_PER_POLL = 20;
const INTERESTS = [Interest.READABLE, Interest.WRITABLE, Interest.READABLE.add(Interest.WRITABLE)];

interface Slot {
  socket: UdpSocket;
  port: number;
  /** The token it is registered with, or undefined. */
  token: number | undefined;
}

/** A small deterministic generator (mulberry32): a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function windowsSelectorOf(poll: Poll): WindowsSelector {
  const selector = selectorOf(poll.registry());
  if (!(selector instanceof WindowsSelector)) throw new TypeError('not the Windows selector');
  return selector;
}

function openSlot(): Slot {
  const socket = UdpSocket.bind('127.0.0.1:0');
  return { socket, port: socket.localAddr().port, token: undefined };
}

describe('registration fuzz', () => {
  it(`random register/reregister/deregister/close on ${SOCKETS} sockets with traffic for ${RUN_MS / 1000} s`, async () => {
    const seed = Date.now() >>> 0;
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const poll = new Poll();
    const selector = windowsSelectorOf(poll);
    const registry = poll.registry();
    const events = new Events(1024);
    const sender = UdpSocket.bind('127.0.0.1:0');
    const buffer = Buffer.alloc(2048);
    const payload = Buffer.alloc(64, 1);
    // Warm-up, so the baseline holds Winsock's and the selector's one-time state.
    const warm = openSlot();
    registry.register(warm.socket, 1, Interest.READABLE);
    poll.poll(events, 0);
    warm.socket.close();
    poll.poll(events, 50);
    const handlesBefore = await quietHandleCount();
    const blocksBefore = NativeMemory.liveBlocks;
    const slots = Array.from({ length: SOCKETS }, openSlot);
    /** Token -> slot, for the registrations alive now. */
    const live = new Map<number, Slot>();
    let nextToken = 1_000;
    const counts = { register: 0, reregister: 0, deregister: 0, close: 0, send: 0, events: 0, polls: 0 };
    const strayEvents: string[] = [];
    try {
      const deadline = performance.now() + RUN_MS;
      while (performance.now() < deadline) {
        for (let op = 0; op < OPS_PER_POLL; op++) {
          const slot = pick(slots);
          const roll = next();
          if (roll < 0.3) {
            if (sender.sendTo(payload, `127.0.0.1:${slot.port}`) !== WOULD_BLOCK) counts.send++;
          } else if (roll < 0.45) {
            if (slot.token !== undefined) continue;
            slot.token = nextToken++;
            registry.register(slot.socket, slot.token, pick(INTERESTS));
            live.set(slot.token, slot);
            counts.register++;
          } else if (roll < 0.65) {
            if (slot.token === undefined) continue;
            live.delete(slot.token);
            slot.token = nextToken++;
            registry.reregister(slot.socket, slot.token, pick(INTERESTS));
            live.set(slot.token, slot);
            counts.reregister++;
          } else if (roll < 0.85) {
            if (slot.token === undefined) continue;
            registry.deregister(slot.socket);
            live.delete(slot.token);
            slot.token = undefined;
            counts.deregister++;
          } else {
            // Closed while registered or not: the selector must forget it either way.
            if (slot.token !== undefined) live.delete(slot.token);
            slot.socket.close();
            Object.assign(slot, openSlot());
            counts.close++;
          }
        }
        poll.poll(events, 0);
        counts.polls++;
        for (const event of events) {
          counts.events++;
          const owner = live.get(event.token);
          if (owner === undefined) {
            strayEvents.push(`token ${event.token}`);
            continue;
          }
          // Drain what arrived, so READABLE is re-armed by WouldBlock (edge triggering).
          if (event.isReadable()) while (owner.socket.recvFrom(buffer) !== WOULD_BLOCK);
        }
        // Let the event loop breathe: vitest's worker talks to its parent through it.
        if (counts.polls % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      for (const slot of slots) slot.socket.close();
      sender.close();
    }
    // Closed sockets' polls report back (cancelled): wait until the selector has let them go.
    const settleBy = performance.now() + 10_000;
    while (selector.liveSocketStates > 0 && performance.now() < settleBy) poll.poll(events, 20);
    console.log(`registration fuzz (seed ${seed}): ${JSON.stringify(counts)}; states left ${selector.liveSocketStates}, AFD handles ${selector.afdHandleCount}, native blocks ${NativeMemory.liveBlocks - blocksBefore}`);
    expect(strayEvents, `seed ${seed}`).toEqual([]);
    expect(counts.events).toBeGreaterThan(1_000);
    expect(counts.close).toBeGreaterThan(100);
    expect(selector.liveSocketStates).toBe(0);
    expect(selector.afdHandleCount).toBe(0);
    expect(NativeMemory.liveBlocks).toBe(blocksBefore);
    // Measured with the Poll still open, as the baseline was: its port is one of the handles.
    expect(await settledHandleDelta(handlesBefore)).toBeLessThanOrEqual(HANDLE_NOISE);
    poll.close();
  }, 120_000);
});
