// sockaddr encoding is pure byte work, so it is tested on every OS.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import { AF_INET, AF_INET6 } from '../../../src/sys/windows/ffi/constants.js';
import { SOCKADDR_IN, SOCKADDR_IN6 } from '../../../src/sys/windows/ffi/structs.js';
import { decodeSocketAddress, encodeSocketAddress } from '../../../src/sys/windows/sockaddr.js';

function roundTrip(address: string, port = 80, scopeId?: number) {
  return decodeSocketAddress(encodeSocketAddress(address, port, scopeId));
}

function expectInvalid(fn: () => unknown, message?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('ERR_INVALID_ARG_VALUE');
    if (message !== undefined) expect((error as Error).message).toMatch(message);
    return;
  }
  expect.unreachable('expected an InvalidArgumentError');
}

describe('IPv4', () => {
  it('encodes sockaddr_in: little-endian family, network-order port, address bytes, zero padding', () => {
    const bytes = encodeSocketAddress('1.2.3.4', 0x1f90);
    expect(bytes.length).toBe(SOCKADDR_IN.size);
    expect([...bytes]).toEqual([AF_INET, 0, 0x1f, 0x90, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    ['0.0.0.0', 0],
    ['127.0.0.1', 8080],
    ['255.255.255.255', 65535],
    ['192.168.1.20', 443],
  ])('round-trips %s:%i', (address, port) => {
    expect(roundTrip(address, port)).toEqual({ family: 'IPv4', address, port });
  });
});

describe('IPv6', () => {
  it('encodes sockaddr_in6: family 23, port, zero flowinfo, 16 address bytes, scope id', () => {
    const bytes = encodeSocketAddress('2001:db8::1', 443, 7);
    expect(bytes.length).toBe(SOCKADDR_IN6.size);
    expect(bytes.readUInt16LE(SOCKADDR_IN6.family)).toBe(AF_INET6);
    expect(bytes.readUInt16BE(SOCKADDR_IN6.port)).toBe(443);
    expect(bytes.readUInt32LE(SOCKADDR_IN6.flowinfo)).toBe(0);
    expect([...bytes.subarray(SOCKADDR_IN6.addr, SOCKADDR_IN6.addr + 16)]).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
    expect(bytes.readUInt32LE(SOCKADDR_IN6.scopeId)).toBe(7);
  });

  it.each(['::', '::1', '1::', 'fe80::1', '2001:db8::2:1', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4'])('round-trips canonical %s', (address) => {
    expect(roundTrip(address, 9000)).toEqual({ family: 'IPv6', address, port: 9000, flowinfo: 0, scopeId: 0 });
  });

  it.each([
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'], // leading zeros dropped
    ['2001:DB8::ABCD', '2001:db8::abcd'], // lower case
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs wins
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'], // IPv4-mapped prints dotted
    ['::FFFF:10.0.0.1', '::ffff:10.0.0.1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], // embedded IPv4 elsewhere is just hex
    ['::1.2.3.4', '::102:304'],
  ])('formats %s as %s (RFC 5952)', (input, canonical) => {
    expect(roundTrip(input).address).toBe(canonical);
  });

  it('agrees with the WHATWG URL serializer (RFC 5952) on random addresses', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 500; n++) {
      // Mostly zero groups so that runs of every length show up.
      const groups = Array.from({ length: 8 }, () => (next() % 3 === 0 ? next() % 0x10000 : 0));
      if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) continue;
      const text = groups.map((g) => g.toString(16)).join(':');
      const expected = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      expect(roundTrip(text).address, text).toBe(expected);
    }
  });

  it('takes the scope id from a numeric zone', () => {
    expect(roundTrip('fe80::1%3')).toEqual({ family: 'IPv6', address: 'fe80::1', port: 80, flowinfo: 0, scopeId: 3 });
    expect(roundTrip('fe80::1%4294967295').scopeId).toBe(4294967295);
  });

  it('takes the scope id from the argument when there is no zone; the zone wins otherwise', () => {
    expect(roundTrip('fe80::1', 80, 5).scopeId).toBe(5);
    expect(roundTrip('fe80::1%3', 80, 5).scopeId).toBe(3);
  });

  it('decodes flowinfo and scope id', () => {
    const bytes = encodeSocketAddress('fe80::2', 1234, 9);
    bytes.writeUInt32LE(0xabcde, SOCKADDR_IN6.flowinfo);
    expect(decodeSocketAddress(bytes)).toEqual({ family: 'IPv6', address: 'fe80::2', port: 1234, flowinfo: 0xabcde, scopeId: 9 });
  });
});

describe('decodeSocketAddress', () => {
  it('reads a view into a larger buffer (e.g. SOCKADDR_STORAGE) at its offset', () => {
    const storage = new Uint8Array(128 + 8);
    storage.set(encodeSocketAddress('10.1.2.3', 5000), 8);
    expect(decodeSocketAddress(storage.subarray(8))).toEqual({ family: 'IPv4', address: '10.1.2.3', port: 5000 });
  });

  it('rejects unknown families and truncated buffers', () => {
    expectInvalid(() => decodeSocketAddress(new Uint8Array(16)), /family 0/);
    expectInvalid(() => decodeSocketAddress(new Uint8Array(0)));
    expectInvalid(() => decodeSocketAddress(new Uint8Array(1)));
    expectInvalid(() => decodeSocketAddress(encodeSocketAddress('1.2.3.4', 1).subarray(0, 8)), /short/);
    expectInvalid(() => decodeSocketAddress(encodeSocketAddress('::1', 1).subarray(0, 16)), /short/);
  });
});

describe('bad input', () => {
  it.each(['localhost', '1.2.3', '1.2.3.4.5', '256.0.0.1', '', ' 1.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::g', '1.2.3.4%1', '::1/128'])(
    'rejects address %j',
    (address) => {
      expectInvalid(() => encodeSocketAddress(address, 80), /not an IP address/);
    },
  );

  it.each([-1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects port %s', (port) => {
    expectInvalid(() => encodeSocketAddress('127.0.0.1', port), /port/);
    expectInvalid(() => encodeSocketAddress('::1', port), /port/);
  });

  it('rejects a port given as a string', () => {
    expectInvalid(() => encodeSocketAddress('127.0.0.1', '80' as unknown as number), /port/);
  });

  it('rejects an address that is not a string', () => {
    expectInvalid(() => encodeSocketAddress(0x7f000001 as unknown as string, 80));
    expectInvalid(() => encodeSocketAddress(undefined as unknown as string, 80));
  });

  it.each(['fe80::1%eth0', 'fe80::1%', 'fe80::1%-1', 'fe80::1%4294967296', 'fe80::1%1.5'])('rejects zone in %s', (address) => {
    expectInvalid(() => encodeSocketAddress(address, 80), /zone/);
  });

  it.each([-1, 2 ** 32, 0.5, Number.NaN])('rejects scope id %s', (scopeId) => {
    expectInvalid(() => encodeSocketAddress('fe80::1', 80, scopeId), /scope id/);
  });
});
