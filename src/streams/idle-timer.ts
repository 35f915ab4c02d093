// net's socket timeout: 'timeout' after a span without reads or writes. Unref'd, like net's own
// timers, so it never holds the process open.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class IdleTimer {
  readonly #onIdle: () => void;
  #ms = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(onIdle: () => void) {
    this.#onIdle = onIdle;
  }

  /** 0 disables it; spans past what a timer can hold are capped (a timer would fire at once). */
  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`timeout must be a non-negative number, got ${ms}`);
    this.#ms = Math.min(ms, MAX_TIMER_MS);
    this.clear();
    if (ms > 0) this.touch();
  }

  /** Activity: the span starts again. */
  touch(): void {
    if (this.#ms <= 0) return;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#onIdle();
      }, this.#ms);
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
