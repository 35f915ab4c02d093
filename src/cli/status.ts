// What the relay tells its operator: a live status line on a TTY, JSON lines for machines.
import type { Relay, RelayStats } from './relay.js';

export interface StatusOptions {
  json: boolean;
  /** Where reports go: stderr when stdout carries data. */
  out: NodeJS.WritableStream & { isTTY?: boolean };
  intervalMs?: number;
}

function rate(bytes: number, seconds: number): string {
  const perSecond = bytes / seconds;
  if (perSecond >= 1024 * 1024) return `${(perSecond / 1024 / 1024).toFixed(1)} MiB/s`;
  if (perSecond >= 1024) return `${(perSecond / 1024).toFixed(1)} KiB/s`;
  return `${perSecond.toFixed(0)} B/s`;
}

/** Starts reporting; returns a function that prints the final figures and stops. */
export function reportStatus(relay: Relay, options: StatusOptions): () => void {
  const { json, out } = options;
  const interval = options.intervalMs ?? 1000;
  const emit = (record: Record<string, unknown>): void => {
    out.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  };
  let last: RelayStats = { ...relay.stats };
  let lastTime = performance.now();
  const live = !json && out.isTTY === true;
  relay.on('listening', (address: string) => (json ? emit({ event: 'listening', address }) : out.write(`listening on ${address}\n`)));
  if (json) {
    relay.on('open', (id: number) => emit({ event: 'open', id }));
    relay.on('close', (id: number, error?: Error) => emit({ event: 'close', id, ...(error ? { error: error.message } : {}) }));
    relay.on('link-error', (error: Error) => emit({ event: 'link-error', error: error.message }));
    relay.on('session-limit', (limit: number) => emit({ event: 'session-limit', limit }));
  } else {
    relay.on('link-error', (error: Error) => out.write(`${live ? '\n' : ''}link failed: ${error.message}\n`));
    relay.on('session-limit', (limit: number) =>
      out.write(`${live ? '\n' : ''}UDP session limit (${limit}) reached: datagrams from new sources are dropped until a session ends\n`),
    );
    relay.on('close', (id: number, error?: Error) => {
      if (error !== undefined) out.write(`${live ? '\n' : ''}link ${id} failed: ${error.message}\n`);
    });
  }
  const timer = setInterval(() => {
    const now = performance.now();
    const seconds = (now - lastTime) / 1000;
    const stats = relay.stats;
    const forward = stats.forward - last.forward;
    const backward = stats.backward - last.backward;
    if (json) emit({ event: 'stats', active: stats.active, total: stats.total, forwardBytes: stats.forward, backwardBytes: stats.backward, forwardPerSecond: Math.round(forward / seconds), backwardPerSecond: Math.round(backward / seconds) });
    else if (live) out.write(`\r\x1b[K${stats.active} open, ${stats.total} total | -> ${rate(forward, seconds)} | <- ${rate(backward, seconds)}`);
    last = { ...stats };
    lastTime = now;
  }, interval);
  timer.unref();
  return () => {
    clearInterval(timer);
    const { total, forward, backward, refusedDatagrams } = relay.stats;
    if (json) emit({ event: 'stopped', total, forwardBytes: forward, backwardBytes: backward, refusedDatagrams });
    else {
      const refused = refusedDatagrams > 0 ? `; ${refusedDatagrams} datagram(s) from new sources dropped at the session limit` : '';
      out.write(`${live ? '\n' : ''}relayed ${total} connection(s): ${forward} bytes ->, ${backward} bytes <-${refused}\n`);
    }
  };
}
