// Stream options are checked before anything native is made: on any OS, a bad value is a typed
// error. Once, maxReadsPerEvent 0 or NaN spun a CPU reading nothing and readChunkSize 0 ended
// every accepted connection at once.
import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '../../src/core/errors.js';
import { Socket } from '../../src/adapters/net-socket.js';
import { TcpSocket } from '../../src/streams/tcp-socket.js';

describe('stream options', () => {
  for (const [name, value] of [
    ['maxReadsPerEvent', 0],
    ['maxReadsPerEvent', Number.NaN],
    ['maxReadsPerEvent', 1.5],
    ['maxReadsPerEvent', 1e9],
    ['readChunkSize', 0],
    ['readChunkSize', -1],
    ['readChunkSize', 2 ** 31],
  ] as const) {
    it(`${name}: ${value} is an ERR_OUT_OF_RANGE RangeError, for TcpSocket and the drop-in Socket`, () => {
      for (const make of [() => new TcpSocket(undefined, { [name]: value }), () => new Socket({ [name]: value })]) {
        expect(make).toThrow(OutOfRangeError);
        expect(make).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', name: 'OutOfRangeError' }) as Error);
      }
    });
  }
});
