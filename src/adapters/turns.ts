// Edge-triggered draining in bounded turns: readiness is reported once, so a source is read until
// WouldBlock, but at most `perTurn` items at a time; the rest waits for the next turn of the event
// loop (nextTurn), so one busy source cannot starve the others or the loop.

import { nextTurn } from '../core/next-turn.js';

/** `step` returns false at WouldBlock (or when it should stop); `drain()` starts on an event. */
export interface TurnDrainer {
  drain(): void;
  /** Drops a turn still scheduled (the consumer went away). */
  cancel(): void;
}

export function drainInTurns(step: () => boolean, perTurn: number): TurnDrainer {
  let cancelScheduled: (() => void) | undefined;
  const turn = (): void => {
    cancelScheduled = undefined;
    for (let i = 0; i < perTurn; i++) if (!step()) return;
    cancelScheduled = nextTurn(turn);
  };
  return {
    drain(): void {
      if (cancelScheduled === undefined) turn();
    },
    cancel(): void {
      cancelScheduled?.();
      cancelScheduled = undefined;
    },
  };
}
