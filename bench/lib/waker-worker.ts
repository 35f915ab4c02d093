// The worker half of the waker benchmarks: on each request from the main thread it waits a
// moment (so the main thread is surely waiting in its poll), stamps the time, and wakes.
//
// Shared Int32 slots: [0] requests posted by main, [1] requests served, [2] pause in
// microseconds (0 = random 500-2000), [3] stop flag. Shared BigInt64 slot [0]: hrtime (ns) taken
// right before wake().
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Waker, type WakerTarget } from '../../src/index.js';

export interface WakerWorkerData {
  target: WakerTarget;
  control: SharedArrayBuffer;
  stamp: SharedArrayBuffer;
}

export const REQUESTED = 0;
export const SERVED = 1;
export const PAUSE_US = 2;
export const STOP = 3;

// Imported by the main thread for the slot constants only; the loop runs in the worker.
if (!isMainThread && parentPort !== null) {
  const data = workerData as WakerWorkerData;
  const waker = Waker.fromTarget(data.target);
  const control = new Int32Array(data.control);
  const stamp = new BigInt64Array(data.stamp);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const sleepUs = (us: number): void => {
    // Atomics.wait counts milliseconds; below ~1 ms spin, since the OS would round up.
    if (us >= 1000) Atomics.wait(sleeper, 0, 0, us / 1000);
    else for (const until = process.hrtime.bigint() + BigInt(Math.round(us * 1000)); process.hrtime.bigint() < until; );
  };
  parentPort.postMessage('ready');
  for (let served = 0; ; ) {
    Atomics.wait(control, REQUESTED, served);
    if (Atomics.load(control, STOP) !== 0) break;
    served = Atomics.load(control, REQUESTED);
    const pause = Atomics.load(control, PAUSE_US);
    sleepUs(pause > 0 ? pause : 500 + Math.random() * 1500);
    Atomics.store(stamp, 0, process.hrtime.bigint());
    waker.wake();
    Atomics.store(control, SERVED, served);
  }
}
