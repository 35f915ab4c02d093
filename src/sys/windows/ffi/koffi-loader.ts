// The one place koffi is loaded. Loading is lazy and Windows-only, so importing any module
// of mio-ts on Linux or macOS never touches native code.
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';
import { UnsupportedPlatformError } from '../../../core/errors.js';

export type Koffi = typeof KoffiModule;
export type KoffiFunction = ReturnType<KoffiModule.LibraryHandle['func']>;

let koffi: Koffi | undefined;

/** koffi itself; throws UnsupportedPlatformError anywhere but Windows. */
export function loadKoffi(feature = 'mio-ts native I/O'): Koffi {
  if (process.platform !== 'win32') throw new UnsupportedPlatformError(feature);
  if (koffi === undefined) {
    const require = createRequire(import.meta.url);
    koffi = require('koffi') as Koffi;
  }
  return koffi;
}

/** The bound functions of each DLL, by lower-case DLL name: where fault-injection.ts reaches them. */
const libraries = new Map<string, () => Record<string, KoffiFunction>>();

/** The functions bound for `dll` (binding them now if needed); undefined for a DLL never declared. */
export function boundLibrary(dll: string): Record<string, KoffiFunction> | undefined {
  return libraries.get(dll.toLowerCase())?.();
}

/** Binds functions of a system DLL from C-like prototypes, once per DLL. */
export function bindLibrary<const Names extends string>(
  dll: string,
  prototypes: Record<Names, string>,
): () => Record<Names, KoffiFunction> {
  let bound: Record<Names, KoffiFunction> | undefined;
  const functions = (): Record<Names, KoffiFunction> => {
    if (bound === undefined) {
      const library = loadKoffi(dll).load(dll);
      const result = {} as Record<Names, KoffiFunction>;
      for (const name of Object.keys(prototypes) as Names[]) result[name] = library.func(prototypes[name]);
      bound = result;
    }
    return bound;
  };
  libraries.set(dll.toLowerCase(), functions);
  return functions;
}
