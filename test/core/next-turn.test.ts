// nextTurn: work that yields to the next turn of the event loop is counted until it runs or is
// cancelled, so a selector can tell whether anything of ours waits for that turn.
import { describe, expect, it } from 'vitest';
import { nextTurn, workWaitingForNextTurn } from '../../src/core/next-turn.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('nextTurn', () => {
  it('counts work until it runs in the next turn', async () => {
    const before = workWaitingForNextTurn();
    const order: string[] = [];
    nextTurn(() => order.push('first'));
    nextTurn(() => order.push('second'));
    expect(workWaitingForNextTurn()).toBe(before + 2);
    expect(order).toEqual([]);
    await turn();
    expect(order).toEqual(['first', 'second']);
    expect(workWaitingForNextTurn()).toBe(before);
  });

  it('a cancelled callback never runs and stops counting; cancelling twice or after the run changes nothing', async () => {
    const before = workWaitingForNextTurn();
    let ran = 0;
    const cancel = nextTurn(() => ran++);
    const cancelLate = nextTurn(() => ran++);
    cancel();
    cancel();
    expect(workWaitingForNextTurn()).toBe(before + 1);
    await turn();
    expect(ran).toBe(1);
    cancelLate();
    expect(workWaitingForNextTurn()).toBe(before);
  });

  it('a callback that throws is no longer counted', async () => {
    const before = workWaitingForNextTurn();
    const thrown = new Error('from the callback');
    const caught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    nextTurn(() => {
      throw thrown;
    });
    expect(await caught).toBe(thrown);
    expect(workWaitingForNextTurn()).toBe(before);
  });
});
