// The FFI layer: every Windows structure, constant and function mio-ts uses, declared once.
export * from './constants.js';
export * from './structs.js';
export * from './error-codes.js';
export * from './win-error.js';
export * from './native-memory.js';
export * as kernel32 from './kernel32.js';
export * as ntdll from './ntdll.js';
export * as ws2_32 from './ws2_32.js';
export { loadKoffi } from './koffi-loader.js';
export * as advapi32 from './advapi32.js';
