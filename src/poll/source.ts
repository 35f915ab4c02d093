// mio's event::Source: anything a Registry can watch. Sources normally delegate to an
// IoSourceState; a custom source may wrap another source and forward the three calls.
import type { Interest } from '../core/interest.js';
import type { Registry } from './registry.js';
import type { Token } from '../core/token.js';

export interface Source {
  register(registry: Registry, token: Token, interest: Interest): void;
  reregister(registry: Registry, token: Token, interest: Interest): void;
  deregister(registry: Registry): void;
}

export function isSource(value: unknown): value is Source {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.register === 'function' && typeof candidate.reregister === 'function' && typeof candidate.deregister === 'function';
}
