// Edge-triggered draining in bounded turns: readiness is reported once, so a source is read until
// WouldBlock, but at most `perTurn` items at a time; the rest waits for the next turn of the event
// loop (setImmediate), so one busy source cannot starve the others or the loop.

/** `step` returns false at WouldBlock (or when it should stop); `drain()` starts on an event. */
export interface TurnDrainer {
  drain(): void;
  /** Drops a turn still scheduled (the consumer went away). */
  cancel(): void;
}

export function drainInTurns(step: () => boolean, perTurn: number): TurnDrainer {
  let scheduled: NodeJS.Immediate | undefined;
  const turn = (): void => {
    scheduled = undefined;
    for (let i = 0; i < perTurn; i++) if (!step()) return;
    scheduled = setImmediate(turn);
  };
  return {
    drain(): void {
      if (scheduled === undefined) turn();
    },
    cancel(): void {
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
    },
  };
}
