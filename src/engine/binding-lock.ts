// The one process-wide table of tfjs-node's addon, put under a lock before `netspace backend install` builds it.
//
// tfjs-node(-gpu) 4.22's binding/tfjs_backend.cc keeps the attribute names of the ops it runs in a static
// std::set<std::string> (ATTR_NAME_SET), so that the names outlive the call, and inserts into it on every op without
// a lock. Everything else of the addon is per N-API environment (per thread). netspace trains in several worker
// threads of one process, and two threads inserting at once corrupt the set's tree: the process dies with SIGSEGV in
// the insert or with "double free or corruption" when the addon unloads. It happened at a sweep's start, when both
// workers run their first ops (every name new) at the same moment. The patch adds a mutex around the insert and a
// marker string, so that a built addon can be told apart from one built without it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NATIVE_PACKAGE } from './native-info.ts';

/** Present in the source and in the built addon once the lock is in. */
export const ATTR_LOCK_MARKER = 'netspace: ATTR_NAME_SET under ATTR_NAME_MUTEX (v1)';

const INCLUDE_ANCHOR = '#include <set>\n';
const SET_ANCHOR = 'static std::set<std::string> ATTR_NAME_SET;\n';
const INSERT_ANCHOR = 'ATTR_NAME_SET.insert(attr_name_string.c_str()).first->c_str();';

/**
 * `source` (tfjs-node 4.22's binding/tfjs_backend.cc) with a mutex held around the ATTR_NAME_SET insert; unchanged
 * when it has the lock already. Throws an Error naming what is missing when the source is not the one this patch
 * was written for (another tfjs-node version), rather than build an addon that can crash.
 */
export function lockAttrNames(source: string): string {
  if (source.includes(ATTR_LOCK_MARKER)) return source;
  const missing = [INCLUDE_ANCHOR, SET_ANCHOR, INSERT_ANCHOR].filter((anchor) => source.split(anchor).length !== 2);
  if (missing.length > 0) throw new Error(`tfjs_backend.cc does not have exactly one of: ${missing.map((m) => JSON.stringify(m.trim())).join(', ')}`);
  const declarations = [
    SET_ANCHOR,
    '// netspace: worker threads of one process share ATTR_NAME_SET; inserts take this lock.\n',
    'static std::mutex ATTR_NAME_MUTEX;\n',
    `extern "C" __attribute__((used, visibility("default"))) const char netspace_attr_lock[] = "${ATTR_LOCK_MARKER}";\n`,
  ].join('');
  const insert = '[&]() { std::lock_guard<std::mutex> lock(ATTR_NAME_MUTEX); return ATTR_NAME_SET.insert(attr_name_string).first->c_str(); }();';
  return source.replace(INCLUDE_ANCHOR, `${INCLUDE_ANCHOR}#include <mutex>\n`).replace(SET_ANCHOR, declarations).replace(INSERT_ANCHOR, insert);
}

/** Locks the attribute table in `<packageDir>/binding/tfjs_backend.cc` (see lockAttrNames), before node-gyp builds. */
export function lockBindingSource(packageDir: string): void {
  const file = join(packageDir, 'binding', 'tfjs_backend.cc');
  const source = readFileSync(file, 'utf8');
  const locked = lockAttrNames(source);
  if (locked !== source) writeFileSync(file, locked);
}

/** Whether the built addon at `file` has the lock (its marker is in the binary). */
export function addonHasAttrLock(file: string): boolean {
  return readFileSync(file).includes(Buffer.from(ATTR_LOCK_MARKER));
}

/** The addon files of the package (lib/napi-v<N>/tfjs_binding.node; it loads the one of its N-API version). */
export function addonFiles(packageDir: string): string[] {
  const lib = join(packageDir, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => /^napi-v\d+$/.test(d))
    .map((d) => join(lib, d, 'tfjs_binding.node'))
    .filter((f) => existsSync(f));
}

/** The addon file the installed @tensorflow/tfjs-node-gpu loads, or null when the package or its addon is missing. */
export function installedAddon(): string | null {
  let packageDir: string;
  try {
    packageDir = dirname(dirname(createRequire(import.meta.url).resolve(NATIVE_PACKAGE)));
  } catch {
    return null;
  }
  return addonFiles(packageDir)[0] ?? null;
}

/**
 * The installed addon's file when it lacks the lock (a prebuilt addon, or one built before the lock), for a warning
 * before several worker threads load it; null when there is none or it has the lock.
 */
export function unlockedAddon(): string | null {
  const addon = installedAddon();
  return addon === null || addonHasAttrLock(addon) ? null : addon;
}
