// The page's script and stylesheet: src/serve/client bundled by esbuild with vega, vega-lite and vega-embed from
// node_modules, built once per version of its inputs (at `npm run build`, else on first use), cached on disk, served
// from memory. Nothing the page loads comes from anywhere else.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** One file the server answers under /assets/. */
export interface Asset {
  body: Buffer;
  /** The body gzip-compressed, sent to clients that accept it. */
  gzip: Buffer;
  /** Content-Type header value. */
  type: string;
  /** Quoted entity tag of the body. */
  etag: string;
}

/** File name (the whole path after /assets/) -> asset. The only files the server serves. */
export type AssetTable = ReadonlyMap<string, Asset>;

/** The package root: src/serve/ and dist/serve/ both sit two folders below it. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'src', 'serve', 'client');
const ENTRY = join(CLIENT, 'main.ts');
const STYLESHEET = join(CLIENT, 'dashboard.css');

/** esbuild's options, part of what a cached build is keyed by. */
const BUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // vega's packages carry BSD-3-Clause notices; they stay at the end of the bundle.
  legalComments: 'eof',
  charset: 'utf8',
} as const;

/** The page's icon: a step EDF, drawn here (no image fetched from anywhere). */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#4e79a7"/><path d="M2 13h3V9h3V6h3V3h3" fill="none" stroke="#fff" stroke-width="1.6"/></svg>`;

const TYPES: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/** What a cached build was made from: every input file's hash, so that any change in them makes a new build. */
interface Manifest {
  options: string;
  inputs: Record<string, string>;
}

const CACHE_NAME = 'dashboard-assets';

function cacheDirs(): string[] {
  return [join(ROOT, 'node_modules', '.cache', 'netspace'), join(tmpdir(), 'netspace-cache')];
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function hashFile(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

/** The cached script and stylesheet when every input they were built from is unchanged, else null. */
function readCached(dir: string): { js: Buffer; css: Buffer } | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.options !== JSON.stringify(BUILD_OPTIONS)) return null;
    for (const [path, hash] of Object.entries(manifest.inputs)) if (hashFile(join(ROOT, path)) !== hash) return null;
    return { js: readFileSync(join(dir, 'dashboard.js')), css: readFileSync(join(dir, 'dashboard.css')) };
  } catch {
    return null;
  }
}

/**
 * Bundles the page script with esbuild (a devDependency, also installed with tsx, which depends on it) and joins the
 * page's stylesheet with vega-tooltip's: the strict Content-Security-Policy forbids the <style> elements vega-embed
 * and vega-tooltip would otherwise add at run time.
 */
async function build(): Promise<{ js: Buffer; css: Buffer; manifest: Manifest }> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new NetspaceError(messages.serve.cannotBundle((error as Error).message));
  }
  const result = await esbuild.build({ ...BUILD_OPTIONS, entryPoints: [ENTRY], absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
  const js = Buffer.from(result.outputFiles[0]!.contents);
  const { createDefaultStyle } = await import('vega-tooltip');
  const css = Buffer.from(`${readFileSync(STYLESHEET, 'utf8')}\n/* vega-tooltip's own style */\n${createDefaultStyle('vg-tooltip-element')}`);
  const tooltipPackage = fileURLToPath(import.meta.resolve('vega-tooltip/package.json'));
  const inputs = [...Object.keys(result.metafile.inputs).map((p) => join(ROOT, p)), STYLESHEET, tooltipPackage];
  const manifest: Manifest = {
    options: JSON.stringify(BUILD_OPTIONS),
    inputs: Object.fromEntries(inputs.map((p) => [p.slice(ROOT.length), hashFile(p) ?? ''])),
  };
  return { js, css, manifest };
}

/** Writes a build into the cache whole (a folder renamed into place) or not at all; a read-only cache is skipped. */
function writeCache(dir: string, files: { js: Buffer; css: Buffer; manifest: Manifest }): void {
  const temporary = `${join(dir, CACHE_NAME)}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    mkdirSync(temporary, { recursive: true });
    writeFileSync(join(temporary, 'dashboard.js'), files.js);
    writeFileSync(join(temporary, 'dashboard.css'), files.css);
    writeFileSync(join(temporary, 'manifest.json'), JSON.stringify(files.manifest));
    rmSync(join(dir, CACHE_NAME), { recursive: true, force: true });
    renameSync(temporary, join(dir, CACHE_NAME));
  } catch {
    rmSync(temporary, { recursive: true, force: true });
  }
}

function asset(name: string, body: Buffer): Asset {
  return { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[name] ?? 'application/octet-stream', etag: `"${sha256(body).slice(0, 32)}"` };
}

let assets: Promise<AssetTable> | null = null;

/** The dashboard's assets, read from the cache when current, else built (about a second) and cached. */
export function dashboardAssets(): Promise<AssetTable> {
  assets ??= (async () => {
    let files = cacheDirs()
      .map((dir) => readCached(join(dir, CACHE_NAME)))
      .find((cached) => cached !== null);
    if (files === undefined) {
      const built = await build();
      for (const dir of cacheDirs()) {
        writeCache(dir, built);
        if (readCached(join(dir, CACHE_NAME)) !== null) break;
      }
      files = built;
    }
    return new Map([
      ['dashboard.js', asset('dashboard.js', files.js)],
      ['dashboard.css', asset('dashboard.css', files.css)],
      ['icon.svg', asset('icon.svg', Buffer.from(ICON))],
    ]);
  })();
  return assets;
}
