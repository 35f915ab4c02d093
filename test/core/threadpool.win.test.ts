// Waiting must not hold libuv's threadpool (4 threads by default): with more Polls waiting
// than it has threads, fs, dns and crypto still finish. Once, each pollAsync() held a threadpool
// thread for its whole wait (a koffi async call) and these calls never completed.
import { randomBytes, pbkdf2 } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Events } from '../../src/core/events.js';
import { Poll } from '../../src/poll/poll.js';

const WAITING_POLLS = 6;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('waiting Polls and libuv threadpool', () => {
  it(`${WAITING_POLLS} Polls waiting in pollAsync() leave fs, dns and crypto working`, async () => {
    const polls = Array.from({ length: WAITING_POLLS }, () => new Poll());
    const aborts = polls.map(() => new AbortController());
    const waits = polls.map((poll, i) => poll.pollAsync(new Events(8), { signal: aborts[i]?.signal }).catch(() => undefined));
    try {
      // Give every wait time to reach the kernel.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const source = await within(readFile(fileURLToPath(import.meta.url), 'utf8'), 5_000, 'fs.readFile');
      expect(source).toContain('threadpool');
      const address = await within(lookup('localhost'), 5_000, 'dns.lookup');
      expect(['127.0.0.1', '::1']).toContain(address.address);
      const key = await within(promisify(pbkdf2)(randomBytes(16), randomBytes(16), 1_000, 32, 'sha256'), 5_000, 'crypto.pbkdf2');
      expect(key).toHaveLength(32);
    } finally {
      aborts.forEach((abort) => abort.abort());
      await Promise.all(waits);
      polls.forEach((poll) => poll.close());
    }
  }, 60_000);
});
