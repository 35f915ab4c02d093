// Work that gave up the rest of its turn and waits for the next turn of the event loop
// (setImmediate), counted: a selector that serves events back to back skips its own turn of the
// event loop only while none of this work waits, so a source that yielded is never overtaken by
// sources that did not (docs/architecture.md, "One turn of the event loop per millisecond").

let waiting = 0;

/** Work of this thread scheduled with `nextTurn()` that has not run yet. */
export function workWaitingForNextTurn(): number {
  return waiting;
}

/** Runs `callback` in the next turn of the event loop; the function returned cancels it if it has not run. */
export function nextTurn(callback: () => void): () => void {
  let pending = true;
  waiting++;
  const immediate = setImmediate(() => {
    pending = false;
    waiting--;
    callback();
  });
  return () => {
    if (!pending) return;
    pending = false;
    waiting--;
    clearImmediate(immediate);
  };
}
