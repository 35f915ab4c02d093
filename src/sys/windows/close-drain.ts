// How a closing selector waits for the completions of the polls it cancelled without blocking
// the event loop: what the port holds is taken at once; while polls are still in flight the port
// is looked at again every few milliseconds, up to a deadline. The kernel may write a poll's block
// until its completion is dequeued, so a block is freed only after that (docs/architecture.md,
// Who owns native memory until when).
/** How often a drain that could not finish at once looks at the port again. */
const RETRY_MS = 5;

/** A batch of dequeued packets (CompletionEntries); only its size matters here. */
export interface DequeuedBatch {
  readonly length: number;
}

export interface CloseDrainOptions<Batch extends DequeuedBatch> {
  /** Dequeues what the port holds now, without blocking. */
  dequeueNow(): Batch;
  /** Hands a batch to its owners (which free the blocks whose poll came back). */
  route(batch: Batch): void;
  /** Some cancelled poll has not reported back yet. */
  pending(): boolean;
  /** Milliseconds after which the polls still out are given up on (and their memory leaked). */
  budgetMs: number;
}

/**
 * Drains until no poll is pending. Returns undefined when that happened at once (the usual case:
 * a cancelled poll completes within the cancel call), else a promise of the end of the drain.
 */
export function drainCancelledPolls<Batch extends DequeuedBatch>(options: CloseDrainOptions<Batch>): Promise<void> | undefined {
  const deadline = performance.now() + options.budgetMs;
  const drainNow = (): boolean => {
    for (;;) {
      const batch = options.dequeueNow();
      options.route(batch);
      if (!options.pending()) return true;
      if (batch.length === 0) return false;
    }
  };
  if (drainNow()) return undefined;
  return new Promise<void>((resolve) => {
    const retry = (): void => {
      if (drainNow() || performance.now() >= deadline) resolve();
      // Ref'd: the close is not over until the port is closed, at most budgetMs from now.
      else setTimeout(retry, RETRY_MS);
    };
    setTimeout(retry, RETRY_MS);
  });
}
