// Relay endpoint parsing (portable).
import { describe, expect, it } from 'vitest';
import { EndpointError, describeEndpoint, parseEndpoint } from '../../src/cli/endpoint.js';

describe('parseEndpoint', () => {
  it.each([
    ['tcp-listen:8080', { kind: 'tcp-listen', address: { family: 'IPv6', address: '::', port: 8080 } }],
    ['tcp-listen:127.0.0.1:0', { kind: 'tcp-listen', address: { family: 'IPv4', address: '127.0.0.1', port: 0 } }],
    ['tcp:127.0.0.1:80', { kind: 'tcp', host: '127.0.0.1', port: 80 }],
    ['tcp:[::1]:80', { kind: 'tcp', host: '::1', port: 80 }],
    ['tcp:example.com:80', { kind: 'tcp', host: 'example.com', port: 80 }],
    ['udp-listen:5353', { kind: 'udp-listen', address: { family: 'IPv6', address: '::', port: 5353 } }],
    ['udp:127.0.0.1:53', { kind: 'udp', address: { family: 'IPv4', address: '127.0.0.1', port: 53 } }],
    ['pipe-listen:\\\\.\\pipe\\docker_engine', { kind: 'pipe-listen', path: '\\\\.\\pipe\\docker_engine' }],
    ['pipe:\\\\.\\pipe\\x', { kind: 'pipe', path: '\\\\.\\pipe\\x' }],
    ['stdio', { kind: 'stdio' }],
  ])('%s', (spec, expected) => {
    expect(parseEndpoint(spec)).toEqual(expected);
  });

  it.each(['', 'tcp', 'tcp:', 'tcp:host', 'tcp:exa_mple.com:80', 'tcp:example.com:0', 'tcp:1.2.3:80', 'tcp:127.0.0.1:0', 'tcp:127.0.0.1:70000', 'tcp-listen:abc', 'pipe:/tmp/sock', 'pipe:\\\\.\\pipe\\', 'pipe:\\\\?\\pipe\\x', 'pipe-listen:\\\\.\\pipe\\a\\b', 'ftp:1.2.3.4:21'])('rejects %j with an EndpointError', (spec) => {
    expect(() => parseEndpoint(spec)).toThrow(EndpointError);
  });

  it('describes endpoints back', () => {
    expect(describeEndpoint(parseEndpoint('tcp:[::1]:80'))).toBe('tcp:[::1]:80');
    expect(describeEndpoint(parseEndpoint('stdio'))).toBe('stdio');
  });
});
