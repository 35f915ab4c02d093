// Relay endpoints as users type them. Pure parsing, so a bad endpoint is reported before
// anything is opened.
import { isIP } from 'node:net';
import { parseAddress, type SocketAddress } from '../net/address.js';
import { checkPipeName } from '../net/named-pipe.js';

export type Endpoint =
  | { kind: 'tcp-listen'; address: SocketAddress }
  /** `host` may be a name, resolved when each connection is made (as net.connect does). */
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'udp-listen'; address: SocketAddress }
  | { kind: 'udp'; address: SocketAddress }
  | { kind: 'pipe-listen'; path: string }
  | { kind: 'pipe'; path: string }
  | { kind: 'stdio' };

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

function listenAddress(text: string, spec: string): SocketAddress {
  // "[host:]port": a bare port listens on every address, like net's listen(port).
  const input = /^\d+$/.test(text) ? { host: '::', port: Number(text) } : text;
  try {
    return parseAddress(input, '::');
  } catch (error) {
    throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: ${(error as Error).message}`);
  }
}

function targetAddress(text: string, spec: string): SocketAddress {
  try {
    const address = parseAddress(text);
    if (address.port === 0) throw new Error('port 0 cannot be connected to');
    return address;
  } catch (error) {
    throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: ${(error as Error).message}`);
  }
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function tcpTarget(text: string, spec: string): { host: string; port: number } {
  const named = /^([^:[\]]+):(\d+)$/.exec(text);
  if (named !== null && HOST_NAME.test(named[1] ?? '') && !/^[\d.]+$/.test(named[1] ?? '')) {
    const port = Number(named[2]);
    if (port < 1 || port > 65535) throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: port must be from 1 to 65535`);
    return { host: named[1] ?? '', port };
  }
  const address = targetAddress(text, spec);
  return { host: address.address, port: address.port };
}

function pipePath(text: string, spec: string): string {
  // The very check NamedPipe applies, so a relay that starts can open its pipes.
  try {
    return checkPipeName(text);
  } catch (error) {
    throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: ${(error as Error).message}`);
  }
}

export function parseEndpoint(spec: string): Endpoint {
  if (spec === 'stdio' || spec === '-') return { kind: 'stdio' };
  const colon = spec.indexOf(':');
  if (colon < 0) throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: expected kind:target (tcp-listen:8080, tcp:host:port, pipe:\\\\.\\pipe\\name, udp:host:port, stdio)`);
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  switch (kind) {
    case 'tcp-listen':
      return { kind, address: listenAddress(rest, spec) };
    case 'udp-listen':
      return { kind, address: listenAddress(rest, spec) };
    case 'tcp':
      return { kind, ...tcpTarget(rest, spec) };
    case 'udp':
      return { kind, address: targetAddress(rest, spec) };
    case 'pipe-listen':
      return { kind, path: pipePath(rest, spec) };
    case 'pipe':
      return { kind, path: pipePath(rest, spec) };
    default:
      throw new EndpointError(`bad endpoint ${JSON.stringify(spec)}: unknown kind ${JSON.stringify(kind)}`);
  }
}

export function isListening(endpoint: Endpoint): boolean {
  return endpoint.kind === 'tcp-listen' || endpoint.kind === 'udp-listen' || endpoint.kind === 'pipe-listen';
}

export function describeEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'stdio':
      return 'stdio';
    case 'pipe':
    case 'pipe-listen':
      return `${endpoint.kind}:${endpoint.path}`;
    case 'tcp':
      return `tcp:${isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    default:
      return `${endpoint.kind}:${endpoint.address.family === 'IPv6' ? `[${endpoint.address.address}]` : endpoint.address.address}:${endpoint.address.port}`;
  }
}
