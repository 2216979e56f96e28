// `netspace backend install`: @tensorflow/tfjs-node-gpu on libtensorflow from a TensorFlow pip wheel, built here.
//
// tfjs-node(-gpu) 4.22's own install script downloads libtensorflow 2.9.1 and a prebuilt addon from Google's
// storage host, which fails without that host (and for many users with it: the archive answers 403,
// tensorflow/tfjs#8742). TensorFlow's pip wheels carry the same C API (libtensorflow_cc.so.2 and
// libtensorflow_framework.so.2, headers under tensorflow/include), so:
//
//   wheel (--wheel FILE, or pip download) -> libraries + C headers, cached per wheel  (<cache>/tensorflow/<key>/deps)
//     -> the npm package without its install script                                  (node_modules, beside tfjs)
//     -> its deps/ linked to the cache, its addon built by node-gyp against local Node headers (cached per Node ABI)
//     -> a child process loads it as training does and reports TF's version and device.
//
// Every step is skipped when its result is there, so running it again (after `npm ci` removed node_modules) takes
// seconds.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { addonHasAttrLock, lockBindingSource } from './binding-lock.ts';
import { NATIVE_PACKAGE, NATIVE_PACKAGE_VERSION } from './native-info.ts';
import { WHEEL_LIBRARIES, Wheel } from './wheel.ts';

/** The TensorFlow release pip is asked for by default: the newest whose C API the 4.22 binding was checked against. */
export const DEFAULT_TF_VERSION = '2.21.0';

/** What to install. */
export interface InstallOptions {
  /** A TensorFlow wheel file; else pip downloads one. */
  wheel?: string | undefined;
  /** The TensorFlow version pip downloads (default DEFAULT_TF_VERSION). */
  pipVersion?: string | undefined;
  /** pip downloads `tensorflow` (CUDA builds) instead of `tensorflow-cpu`. */
  gpu?: boolean;
  /** Where wheels, libraries and built addons are kept (default: $NETSPACE_CACHE, else ~/.cache/netspace). */
  cacheDir?: string;
  /** The folder whose node_modules holds @tensorflow/tfjs (default: the one netspace itself loads it from). */
  projectDir?: string;
  /** Builds again even when a cached addon fits. */
  rebuild?: boolean;
  /** One line per step, as it starts or is skipped. */
  onProgress?: (line: string) => void;
}

/** What a load of the native backend in a fresh process found. */
export interface NativeProbe {
  ok: boolean;
  /** libtensorflow's version (TF_Version). */
  tfVersion: string | null;
  /** 'CPU' or the GPU's name. */
  device: string | null;
  /** Why it did not load. */
  error: string | null;
  /** The addon file the package loads, when it loaded. */
  addon: string | null;
  /** Whether that addon has netspace's lock on its attribute table (binding-lock.ts); null when it did not load. */
  attrLock: boolean | null;
}

export interface InstallResult {
  packageDir: string;
  /** The cache entry of this wheel: deps/ (libraries, headers), addons, manifest.json. */
  entryDir: string;
  wheel: { path: string; name: string; version: string };
  probe: NativeProbe;
  /** Steps that reused earlier work. */
  reused: { wheel: boolean; libraries: boolean; package: boolean; addon: boolean };
  seconds: number;
}

/** netspace's cache folder: $NETSPACE_CACHE, else $XDG_CACHE_HOME/netspace, else ~/.cache/netspace. */
export function cacheRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.NETSPACE_CACHE) return resolve(env.NETSPACE_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'netspace');
}

/** The folder holding the node_modules from which netspace loads @tensorflow/tfjs: the package must sit beside it. */
export function projectRoot(from = fileURLToPath(import.meta.url)): string {
  try {
    const tfjs = createRequire(from).resolve('@tensorflow/tfjs/package.json');
    return dirname(dirname(dirname(dirname(tfjs))));
  } catch {
    throw new NetspaceError(messages.native.noProject(dirname(from)));
  }
}

const VERSION_PATTERN = /^\d+\.\d+(\.\d+)?([a-z]+\d+)?$/;

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...options });
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/** The wheel: the given file, or one pip downloads into the cache (skipped when it is there already). */
function obtainWheel(options: InstallOptions, cache: string, progress: (line: string) => void): { path: string; reused: boolean } {
  if (options.wheel !== undefined) {
    const path = resolve(options.wheel);
    if (!existsSync(path)) throw new NetspaceError(messages.native.wheelMissing(path));
    progress(`wheel: ${path}`);
    return { path, reused: true };
  }
  const version = options.pipVersion ?? DEFAULT_TF_VERSION;
  if (!VERSION_PATTERN.test(version)) throw new NetspaceError(messages.native.badPipVersion(version));
  const project = options.gpu ? 'tensorflow' : 'tensorflow-cpu';
  const dir = join(cache, 'wheels');
  const prefix = `${project.replace('-', '_')}-${version}-`;
  const cached = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl')) : undefined;
  if (cached !== undefined) {
    progress(`wheel: ${join(dir, cached)} (downloaded before)`);
    return { path: join(dir, cached), reused: true };
  }
  mkdirSync(dir, { recursive: true });
  const spec = `${project}==${version}`;
  progress(`wheel: pip download ${spec} (about 270 MB for tensorflow-cpu) ...`);
  const pip = run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dir, spec]);
  if (pip.error !== undefined) throw new NetspaceError(messages.native.noPip(pip.error.message));
  if (pip.status !== 0) throw new NetspaceError(messages.native.pipFailed(spec, lastLines(`${pip.stdout}\n${pip.stderr}`, 4)));
  const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (file === undefined) throw new NetspaceError(messages.native.pipFailed(spec, `no ${prefix}*.whl in ${dir} afterwards`));
  return { path: join(dir, file), reused: false };
}

/** Fails with a clear message when `dir`'s disk has less than `bytes` free (plus 10%). */
export function checkDisk(dir: string, bytes: number): void {
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free < bytes * 1.1) throw new NetspaceError(messages.native.diskFull(dir, Math.ceil(bytes / 2 ** 20), Math.floor(free / 2 ** 20)));
}

function isDiskFull(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOSPC';
}

/**
 * deps/ of the cache entry: lib/ with the two libraries and the names the binding links against
 * (libtensorflow.so -> libtensorflow_cc.so.2, libtensorflow_framework.so -> .so.2), include/ with the C headers.
 * Written to deps.partial/ and renamed, so an interrupted extraction is never taken for a finished one.
 */
async function extractLibraries(wheel: Wheel, entryDir: string, progress: (line: string) => void): Promise<boolean> {
  const deps = join(entryDir, 'deps');
  if (existsSync(join(deps, 'lib', 'libtensorflow.so'))) {
    progress(`libtensorflow: ${deps} (extracted before)`);
    return true;
  }
  const headers = await wheel.headerClosure();
  const bytes = wheel.bytes(WHEEL_LIBRARIES);
  mkdirSync(entryDir, { recursive: true });
  checkDisk(entryDir, bytes);
  progress(`libtensorflow: extracting 2 libraries (${Math.round(bytes / 2 ** 20)} MB) and ${headers.length} C headers to ${deps} ...`);
  const partial = join(entryDir, 'deps.partial');
  rmSync(partial, { recursive: true, force: true });
  try {
    for (const library of WHEEL_LIBRARIES) await wheel.extract(library, join(partial, 'lib', library.slice('tensorflow/'.length)));
    await wheel.extractHeaders(headers, join(partial, 'include'));
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (isDiskFull(error)) throw new NetspaceError(messages.native.diskFull(entryDir, Math.ceil(bytes / 2 ** 20), 0));
    throw error;
  }
  symlinkSync('libtensorflow_cc.so.2', join(partial, 'lib', 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(partial, 'lib', 'libtensorflow_framework.so'));
  rmSync(deps, { recursive: true, force: true });
  renameSync(partial, deps);
  return false;
}

function installedVersion(packageDir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * The npm package in node_modules, without its install script (the download that fails). `npm ci` removes it with
 * the rest of node_modules; npm install of other packages keeps it.
 */
function installPackage(projectDir: string, progress: (line: string) => void): { dir: string; reused: boolean } {
  const dir = join(projectDir, 'node_modules', ...NATIVE_PACKAGE.split('/'));
  const hasDependencies = (() => {
    try {
      createRequire(join(dir, 'package.json')).resolve('@mapbox/node-pre-gyp');
      return true;
    } catch {
      return false;
    }
  })();
  if (installedVersion(dir) === NATIVE_PACKAGE_VERSION && hasDependencies) {
    progress(`package: ${NATIVE_PACKAGE}@${NATIVE_PACKAGE_VERSION} (installed before)`);
    return { dir, reused: true };
  }
  const spec = `${NATIVE_PACKAGE}@${NATIVE_PACKAGE_VERSION}`;
  progress(`package: npm install --no-save --ignore-scripts ${spec} ...`);
  const npm = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec], { cwd: projectDir });
  if (npm.error !== undefined || npm.status !== 0) {
    throw new NetspaceError(messages.native.npmFailed(npm.error?.message ?? lastLines(`${npm.stdout}\n${npm.stderr}`, 6)));
  }
  return { dir, reused: false };
}

/** Points the package's deps/ at the cache entry's (a symlink; the libraries are 850 MB). */
function linkDeps(packageDir: string, entryDir: string): void {
  const link = join(packageDir, 'deps');
  if (lstatExists(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(join(entryDir, 'deps'), link);
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where node-pre-gyp (and so the package at load) looks for the addon: lib/napi-v<N>/tfjs_binding.node. Asked in a
 * new process: right after `npm install` put the package there, this process's module resolution may still hold the
 * failed lookups of before (seen on a clean clone after `npm ci`: "Cannot find module '@mapbox/node-pre-gyp'").
 */
function bindingPath(packageDir: string): string {
  const packageJson = join(packageDir, 'package.json');
  const script = "process.stdout.write(require('@mapbox/node-pre-gyp').find(process.argv[1]))";
  const child = spawnSync(process.execPath, ['-e', script, packageJson], { cwd: packageDir, encoding: 'utf8' });
  if (child.status !== 0 || child.stdout === '') {
    const find = createRequire(packageJson)('@mapbox/node-pre-gyp').find as (path: string) => string;
    return find(packageJson);
  }
  return child.stdout;
}

/** Folders that may hold Node's C headers as node-gyp's --nodedir wants them (<dir>/include/node/node_api.h). */
export function nodeHeaderDirs(env: Record<string, string | undefined> = process.env, execPath = process.execPath): string[] {
  const candidates = [
    env.npm_config_nodedir,
    dirname(dirname(execPath)),
    '/usr',
    '/usr/local',
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp', process.versions.node),
  ];
  return [...new Set(candidates.filter((d): d is string => d !== undefined && d !== ''))];
}

function findNodeDir(): string {
  const dirs = nodeHeaderDirs();
  const found = dirs.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')) && existsSync(join(d, 'include', 'node', 'common.gypi')));
  if (found === undefined) throw new NetspaceError(messages.native.noHeaders(dirs.join(', ')));
  return found;
}

/** node-gyp: the project's, else the one inside npm. */
function findNodeGyp(projectDir: string): string {
  const candidates: string[] = [];
  try {
    candidates.push(createRequire(join(projectDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of the project
  }
  candidates.push(join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const npmRoot = run('npm', ['root', '-g']);
  if (npmRoot.status === 0) candidates.push(join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new NetspaceError(messages.native.noNodeGyp());
  return found;
}

function checkTool(command: string, args: readonly string[], label: string): void {
  const result = run(command, args);
  if (result.error !== undefined || result.status !== 0) throw new NetspaceError(messages.native.noCompiler(label));
}

/**
 * Copies `from` over `to` through a new file renamed into place: a process that has the old addon loaded keeps its
 * mapping of the old file (writing into it would crash that process).
 */
function replaceFile(from: string, to: string): void {
  const temporary = `${to}.${process.pid}.tmp`;
  copyFileSync(from, temporary);
  renameSync(temporary, to);
}

/**
 * The addon, built by node-gyp from the package's binding/*.cc against deps/ and the local Node headers (so nothing
 * is downloaded) into the cache entry, or taken from there when built before for this Node ABI; then copied to
 * where the package loads it from.
 */
function buildAddon(packageDir: string, entryDir: string, projectDir: string, rebuild: boolean, progress: (line: string) => void): boolean {
  const target = bindingPath(packageDir);
  const napi = /napi-v(\d+)/.exec(target)?.[1] ?? '8';
  // The tag names the patch (binding-lock.ts): an addon built before it is not taken from the cache.
  const cachedDir = join(entryDir, 'addons', `node-abi${process.versions.modules}-napi${napi}-attrlock1`);
  const cached = join(cachedDir, 'tfjs_binding.node');
  mkdirSync(dirname(target), { recursive: true });
  // Also when the addon comes from the cache: the source beside it says what it was built from.
  try {
    lockBindingSource(packageDir);
  } catch (error) {
    throw new NetspaceError(messages.native.patchFailed(join(packageDir, 'binding'), (error as Error).message));
  }
  const reused = !rebuild && existsSync(cached);
  if (reused) {
    progress(`addon: ${target} (built before, copied from the cache)`);
  } else {
    checkTool(process.env.CXX ?? 'g++', ['--version'], 'a C++ compiler (g++)');
    checkTool('make', ['--version'], 'make');
    checkTool('python3', ['--version'], 'python3 (node-gyp runs on it)');
    const nodeDir = findNodeDir();
    const nodeGyp = findNodeGyp(projectDir);
    progress(`addon: building with node-gyp against the Node.js headers in ${nodeDir}, its attribute table under a lock (about a minute) ...`);
    const log = join(entryDir, 'build.log');
    const partial = `${cachedDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, `--napi_build_version=${napi}`, '--module_name=tfjs_binding', `--module_path=${partial}`];
    const build = run(process.execPath, args, { cwd: packageDir, env: { ...process.env, npm_config_nodedir: nodeDir } });
    writeFileSync(log, `${args.join(' ')}\n${build.stdout}\n${build.stderr}`);
    rmSync(join(packageDir, 'build'), { recursive: true, force: true });
    const built = join(partial, 'tfjs_binding.node');
    if (build.error !== undefined || build.status !== 0 || !existsSync(built) || !addonHasAttrLock(built)) {
      const text = `${build.stdout}\n${build.stderr}`;
      if (/No space left on device/.test(text)) throw new NetspaceError(messages.native.diskFull(packageDir, 50, 0));
      const errors = text.split('\n').filter((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l));
      throw new NetspaceError(messages.native.buildFailed(log, lastLines(errors.join('\n') || text, 8)));
    }
    rmSync(cachedDir, { recursive: true, force: true });
    renameSync(partial, cachedDir);
  }
  replaceFile(cached, target);
  return reused;
}

/** The child that loads the backend (native-probe-child.mjs beside this file, in src/ or dist/). */
const PROBE_CHILD = fileURLToPath(new URL('./native-probe-child.mjs', import.meta.url));

/**
 * Loads the tensorflow backend in a fresh process, as a training worker does (netspace's environment defaults, its
 * kernels, one grouped convolution with its gradients), and says what it found.
 */
export function probeNative(env: NodeJS.ProcessEnv = process.env): NativeProbe {
  const child = run(process.execPath, [PROBE_CHILD], { env });
  const line = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (line !== undefined) {
    try {
      return JSON.parse(line) as NativeProbe;
    } catch {
      // not the probe's line: reported below
    }
  }
  const reason = child.error?.message ?? (lastLines(child.stderr, 3) || `exit code ${child.status}`);
  return { ok: false, tfVersion: null, device: null, error: reason, addon: null, attrLock: null };
}

/** Installs the native backend (see the top of this file). Idempotent: each step reuses what is already there. */
export async function installNative(options: InstallOptions = {}): Promise<InstallResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const cache = options.cacheDir ?? cacheRoot();
  const projectDir = options.projectDir ?? projectRoot();
  const obtained = obtainWheel(options, cache, progress);
  const wheel = await Wheel.open(obtained.path);
  let entryDir: string;
  let librariesReused: boolean;
  try {
    if (!wheel.fitsThisMachine()) throw new NetspaceError(messages.native.wrongPlatform(obtained.path, wheel.info.tags.join(', ')));
    const key = `${wheel.info.name}-${wheel.info.version}-${wheel.info.libraryHash.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
    entryDir = join(cache, 'tensorflow', key);
    librariesReused = await extractLibraries(wheel, entryDir, progress);
  } finally {
    wheel.close();
  }
  const pkg = installPackage(projectDir, progress);
  linkDeps(pkg.dir, entryDir);
  const addonReused = buildAddon(pkg.dir, entryDir, projectDir, options.rebuild ?? false, progress);
  progress('check: loading it in a new process ...');
  const probe = probeNative();
  if (!probe.ok) throw new NetspaceError(messages.native.loadFailed(probe.error ?? 'unknown'));
  const manifest = { package: `${NATIVE_PACKAGE}@${NATIVE_PACKAGE_VERSION}`, wheel: wheel.info.name, version: wheel.info.version, tfVersion: probe.tfVersion, node: process.version };
  writeFileSync(join(entryDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    packageDir: pkg.dir,
    entryDir,
    wheel: { path: obtained.path, name: wheel.info.name, version: wheel.info.version },
    probe,
    reused: { wheel: obtained.reused, libraries: librariesReused, package: pkg.reused, addon: addonReused },
    seconds: (performance.now() - started) / 1000,
  };
}

/** One backend as `netspace backend status` reports it. */
export interface BackendStatus {
  backend: 'tensorflow' | 'wasm' | 'cpu';
  loads: boolean;
  /** What runs it: the TF.js or TensorFlow version. */
  version: string;
  device: string;
  /** Why it does not load, or a note. */
  note: string | null;
}

/** The cache entries built so far (wheel name-version-hash). */
export function cachedBuilds(cache = cacheRoot()): string[] {
  const dir = join(cache, 'tensorflow');
  return existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'manifest.json'))).sort() : [];
}

/** Which backends load here, with versions and devices; tensorflow is loaded in a child process. */
export function backendStatus(): BackendStatus[] {
  const tfjs = (() => {
    try {
      return (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  })();
  const probe = probeNative();
  const builds = cachedBuilds();
  const tensorflow: BackendStatus = probe.ok
    ? {
        backend: 'tensorflow',
        loads: true,
        version: `TensorFlow ${probe.tfVersion} (${NATIVE_PACKAGE}@${NATIVE_PACKAGE_VERSION})`,
        device: probe.device ?? 'CPU',
        note: probe.attrLock === false ? messages.native.unlockedAddon(probe.addon ?? '?') : null,
      }
    : {
        backend: 'tensorflow',
        loads: false,
        version: '-',
        device: '-',
        note: `${probe.error}${builds.length > 0 ? `; built before in ${join(cacheRoot(), 'tensorflow')} (${builds.join(', ')}): netspace backend install relinks it in seconds` : ''}`,
      };
  return [
    tensorflow,
    { backend: 'wasm', loads: true, version: `TF.js ${tfjs} WebAssembly + netspace SIMD kernels`, device: 'CPU (one thread per worker)', note: null },
    { backend: 'cpu', loads: true, version: `TF.js ${tfjs} JavaScript + netspace SIMD kernels`, device: 'CPU (one thread per worker)', note: 'for checking; about 10x slower than wasm' },
  ];
}
