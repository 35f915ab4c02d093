// NamedPipe's input checks, on any OS: they run before any native call (and before the platform
// check, so a bad name is reported as such everywhere).
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NamedPipe, UnsupportedPlatformError, type NamedPipeOptions } from '../../src/index.js';

describe('NamedPipe input checks', () => {
  it.each(['foo', '\\\\.\\pipe\\', '\\\\server\\pipe\\x', '//./pipe/x', '\\\\.\\pipe\\a\\b', '\\\\.\\pipe\\a\0b', `\\\\.\\pipe\\${'x'.repeat(300)}`])(
    'rejects the name %j',
    (name) => {
      expect(() => NamedPipe.create(name)).toThrow(InvalidArgumentError);
      expect(() => NamedPipe.open(name)).toThrow(InvalidArgumentError);
    },
  );

  it('rejects names that are not strings, and bad options', () => {
    expect(() => NamedPipe.create(undefined as unknown as string)).toThrow(InvalidArgumentError);
    const name = '\\\\.\\pipe\\mio-ts-portable';
    const bad: unknown[] = [null, 'options', { mode: 'stream' }, { bufferSize: 0 }, { bufferSize: 2 ** 31 }, { maxInstances: 0 }, { currentUserOnly: 1 }];
    for (const options of bad) expect(() => NamedPipe.create(name, options as NamedPipeOptions)).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.open(name, { mode: 'bytes' as 'byte' })).toThrow(InvalidArgumentError);
  });

  it.skipIf(process.platform === 'win32')('a valid name elsewhere than Windows is an unsupported platform', () => {
    expect(() => NamedPipe.create('\\\\.\\pipe\\mio-ts-portable')).toThrow(UnsupportedPlatformError);
    expect(() => NamedPipe.open('\\\\.\\pipe\\mio-ts-portable')).toThrow(UnsupportedPlatformError);
  });
});
