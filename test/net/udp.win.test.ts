// UdpSocket against real sockets, with Windows Node's dgram as a peer that is not ours.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Interest, Poll, UdpSocket, WOULD_BLOCK } from '../../src/index.js';
import { nextEvent } from './poll-helpers.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});
function track<T extends { close(): void }>(value: T): T {
  closers.push(() => value.close());
  return value;
}

describe('UdpSocket', () => {
  it('sends and receives datagrams with their sender (sendTo / recvFrom / peekFrom)', async () => {
    const poll = track(new Poll());
    const a = track(UdpSocket.bind('127.0.0.1:0'));
    const b = track(UdpSocket.bind('127.0.0.1:0'));
    poll.registry().register(b, 1, Interest.READABLE);
    expect(b.recvFrom(Buffer.alloc(8))).toBe(WOULD_BLOCK);
    expect(a.sendTo(Buffer.from('hello'), b.localAddr())).toBe(5);
    await nextEvent(poll, (e) => e.token === 1 && e.isReadable());
    const buffer = Buffer.alloc(64);
    const peeked = b.peekFrom(buffer);
    expect(peeked).toEqual({ bytes: 5, address: a.localAddr() });
    const received = b.recvFrom(buffer);
    expect(received).toEqual({ bytes: 5, address: a.localAddr() });
    expect(buffer.toString('utf8', 0, 5)).toBe('hello');
    expect(b.recvFrom(buffer)).toBe(WOULD_BLOCK);
  });

  it('empty datagrams are delivered', async () => {
    const poll = track(new Poll());
    const a = track(UdpSocket.bind('127.0.0.1:0'));
    const b = track(UdpSocket.bind('127.0.0.1:0'));
    poll.registry().register(b, 1, Interest.READABLE);
    expect(a.sendTo(Buffer.alloc(0), b.localAddr())).toBe(0);
    await nextEvent(poll, (e) => e.token === 1);
    expect(b.recvFrom(Buffer.alloc(16))).toEqual({ bytes: 0, address: a.localAddr() });
  });

  it('connect, send and recv talk to the default peer', async () => {
    const poll = track(new Poll());
    const a = track(UdpSocket.bind('127.0.0.1:0'));
    const b = track(UdpSocket.bind('127.0.0.1:0'));
    a.connect(b.localAddr());
    b.connect(a.localAddr());
    expect(a.peerAddr()).toEqual(b.localAddr());
    poll.registry().register(b, 2, Interest.READABLE);
    expect(a.send(Buffer.from('abc'))).toBe(3);
    await nextEvent(poll, (e) => e.token === 2);
    const buffer = Buffer.alloc(8);
    expect(b.peek(buffer)).toBe(3);
    expect(b.recv(buffer)).toBe(3);
    expect(buffer.toString('utf8', 0, 3)).toBe('abc');
  });

  it('an ICMP port-unreachable does not break the socket', async () => {
    const poll = track(new Poll());
    const closed = UdpSocket.bind('127.0.0.1:0');
    const deadAddress = closed.localAddr();
    closed.close();
    const a = track(UdpSocket.bind('127.0.0.1:0'));
    const b = track(UdpSocket.bind('127.0.0.1:0'));
    poll.registry().register(a, 3, Interest.READABLE);
    a.sendTo(Buffer.from('nobody home'), deadAddress);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.recvFrom(Buffer.alloc(8))).toBe(WOULD_BLOCK);
    b.sendTo(Buffer.from('still alive'), a.localAddr());
    await nextEvent(poll, (e) => e.token === 3);
    const buffer = Buffer.alloc(32);
    const received = a.recvFrom(buffer);
    expect(received).not.toBe(WOULD_BLOCK);
    expect(buffer.toString('utf8', 0, 11)).toBe('still alive');
  });

  it('talks to Windows Node dgram both ways, over IPv6 too', async () => {
    const poll = track(new Poll());
    const ours = track(UdpSocket.bind('[::1]:0'));
    const theirs = createSocket('udp6');
    closers.push(() => theirs.close());
    await new Promise<void>((resolve) => theirs.bind(0, '::1', resolve));
    const got = new Promise<string>((resolve) => theirs.once('message', (m: Buffer) => resolve(m.toString())));
    ours.sendTo(Buffer.from('to node'), { host: '::1', port: theirs.address().port });
    expect(await got).toBe('to node');
    poll.registry().register(ours, 4, Interest.READABLE);
    theirs.send('from node', ours.localAddr().port, '::1');
    await nextEvent(poll, (e) => e.token === 4);
    const buffer = Buffer.alloc(32);
    const received = ours.recvFrom(buffer);
    expect(received).toMatchObject({ bytes: 9, address: { family: 'IPv6', address: '::1', port: theirs.address().port } });
  });

  it('socket options: broadcast, ttl, multicast ttl/loop, onlyV6', () => {
    const v4 = track(UdpSocket.bind('127.0.0.1:0'));
    v4.setBroadcast(true);
    expect(v4.broadcast()).toBe(true);
    v4.setTtl(9);
    expect(v4.ttl()).toBe(9);
    v4.setMulticastTtlV4(3);
    expect(v4.multicastTtlV4()).toBe(3);
    v4.setMulticastLoopV4(false);
    expect(v4.multicastLoopV4()).toBe(false);
    const dual = track(UdpSocket.bind('[::]:0'));
    expect(dual.onlyV6()).toBe(false);
    const only = track(UdpSocket.bind('[::]:0', { ipv6Only: true }));
    expect(only.onlyV6()).toBe(true);
    expect(() => v4.setTtl(300)).toThrow(RangeError);
  });

  it('joins and leaves an IPv4 multicast group, and receives from it', async () => {
    const poll = track(new Poll());
    const receiver = track(UdpSocket.bind('0.0.0.0:0'));
    receiver.joinMulticastV4('239.255.77.77', '127.0.0.1');
    receiver.setMulticastLoopV4(true);
    const sender = track(UdpSocket.bind('127.0.0.1:0'));
    poll.registry().register(receiver, 5, Interest.READABLE);
    sender.sendTo(Buffer.from('group'), { host: '239.255.77.77', port: receiver.localAddr().port });
    await nextEvent(poll, (e) => e.token === 5);
    const buffer = Buffer.alloc(16);
    expect(receiver.recvFrom(buffer)).toMatchObject({ bytes: 5 });
    receiver.leaveMulticastV4('239.255.77.77', '127.0.0.1');
  });

  it('rejects bad input before any native call', () => {
    const socket = track(UdpSocket.bind('127.0.0.1:0'));
    expect(() => socket.sendTo(Buffer.from('x'), 'nowhere:1')).toThrow(InvalidArgumentError);
    expect(() => socket.sendTo('text' as unknown as Buffer, '127.0.0.1:1')).toThrow(InvalidArgumentError);
    expect(() => socket.joinMulticastV4('::1')).toThrow(InvalidArgumentError);
    expect(() => UdpSocket.bind('1.2.3:4')).toThrow(InvalidArgumentError);
    socket.close();
    expect(() => socket.recvFrom(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }) as Error);
  });
});
