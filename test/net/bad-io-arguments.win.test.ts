// Arguments that the OS would take wrongly (or that say two things at once) are typed errors
// before any native call: an empty read buffer (0 is end of stream), a datagram longer than UDP
// allows, a pipe buffer of a gigabyte per read.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NamedPipe, OutOfRangeError, TcpStream, UdpSocket } from '../../src/index.js';

describe('bad I/O arguments', () => {
  it('TcpStream.read() and peek() into an empty buffer: InvalidArgumentError, not 0', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stream = TcpStream.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    try {
      expect(() => stream.read(Buffer.alloc(0))).toThrow(InvalidArgumentError);
      expect(() => stream.peek(new Uint8Array(0))).toThrow(InvalidArgumentError);
    } finally {
      stream.close();
      server.close();
    }
  });

  it('a datagram longer than 65,527 bytes: OutOfRangeError from sendTo() and send()', () => {
    const socket = UdpSocket.bind('127.0.0.1:0');
    try {
      const big = Buffer.alloc(65_528);
      expect(() => socket.sendTo(big, socket.localAddr())).toThrow(OutOfRangeError);
      socket.connect(socket.localAddr());
      expect(() => socket.send(big)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }) as Error);
      // Within the cap, the OS decides: IPv4 carries at most 65,507 bytes of payload.
      expect(socket.send(Buffer.alloc(65_507))).toBe(65_507);
    } finally {
      socket.close();
    }
  });

  it('a multicast interface index past 32 bits: OutOfRangeError, not a Buffer RangeError', () => {
    const socket = UdpSocket.bind('[::1]:0');
    try {
      const error = (() => {
        try {
          socket.joinMulticastV6('ff02::1', 2 ** 32);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(OutOfRangeError);
      expect((error as { code?: string }).code).toBe('ERR_OUT_OF_RANGE');
    } finally {
      socket.close();
    }
  });

  it('a pipe bufferSize over 16 MiB: InvalidArgumentError, nothing created', () => {
    expect(() => NamedPipe.create(`\\\\.\\pipe\\mio-ts-bad-buffer-${process.pid}`, { bufferSize: 0x4000_0000 })).toThrow(InvalidArgumentError);
  });
});
