// @ts-check
// The completion pump's thread (completion-pump.ts): waits on the port once per grant. Plain
// JavaScript loaded by Node itself, so it runs the same from sources and from the build; the
// prototypes and the shared-memory layout come from its owner in workerData, declared once there.
// GQCSEx writes the entries straight into shared memory that the owner reads once DONE moves:
// nothing is copied.
import { createRequire } from 'node:module';
import { workerData as untypedWorkerData } from 'node:worker_threads';

/** @type {import('./completion-pump.js').PumpWorkerData} */
const workerData = untypedWorkerData;
const { control: word, entry } = workerData.layout;

/** @type {import('koffi')} */
const koffi = createRequire(import.meta.url)(workerData.koffiPath);
const kernel32 = koffi.load('kernel32.dll');
const wait = kernel32.func(workerData.prototypes.getQueuedCompletionStatusEx);
const lastError = kernel32.func(workerData.prototypes.getLastError);
const control = workerData.control;
const entries = Buffer.from(workerData.entries);
const removed = Buffer.alloc(4);
Atomics.store(control, word.ready, 1);

/** @param {number} count entries of the batch, or minus a Win32 error */
const finish = (count) => {
  Atomics.store(control, word.count, count);
  Atomics.add(control, word.done, 1);
  // A notify wakes the owner's Atomics.waitAsync through its event loop; once the owner is exiting
  // that loop is being torn down, and waking it there is Node's uv_async_send after uv_close
  // (README.md, Wine quirks: Node 24's exit assertion).
  if (Atomics.compareExchange(control, word.notify, word.notifyOpen, word.notifying) !== word.notifyOpen) return;
  Atomics.notify(control, word.done);
  Atomics.store(control, word.notify, word.notifyOpen);
};

for (;;) {
  Atomics.wait(control, word.granted, 0);
  Atomics.store(control, word.granted, 0);
  if (Atomics.load(control, word.exit) !== 0) break;
  if (wait(workerData.port, entries, workerData.capacity, removed, 0xffffffff, 0) === 0) {
    finish(-(/** @type {number} */ (lastError())));
    break;
  }
  const count = removed.readUInt32LE(0);
  let stop = false;
  for (let i = 0; i < count; i++) {
    if (entries.readBigUInt64LE(i * entry.size + entry.overlapped) === workerData.stopMarker) stop = true;
  }
  finish(count);
  if (stop) break;
}
