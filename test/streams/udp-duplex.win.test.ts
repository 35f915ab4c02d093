// UDP as an object-mode Duplex and for-await source.
import { afterEach, describe, expect, it } from 'vitest';
import { UdpSocket } from '../../src/index.js';
import { UdpDuplex, type IncomingDatagram } from '../../src/streams/udp-duplex.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

describe('UdpDuplex', () => {
  it('for await yields { data, address } and writes go out as datagrams', async () => {
    const a = new UdpDuplex(UdpSocket.bind('127.0.0.1:0'));
    const b = new UdpDuplex(UdpSocket.bind('127.0.0.1:0'));
    closers.push(() => a.destroy(), () => b.destroy());
    for (let i = 0; i < 3; i++) a.write({ data: `m${i}`, address: b.socket.localAddr() });
    const got: IncomingDatagram[] = [];
    for await (const datagram of b) {
      got.push(datagram as IncomingDatagram);
      if (got.length === 3) break;
    }
    expect(got.map((d) => d.data.toString())).toEqual(['m0', 'm1', 'm2']);
    expect(got[0]?.address).toEqual(a.socket.localAddr());
  });
});
