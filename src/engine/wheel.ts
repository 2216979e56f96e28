// Reading a TensorFlow pip wheel (a zip): what it is, and extracting libtensorflow and its C headers from it.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** The two libraries that hold TensorFlow's C API in a wheel (TF_* and TFE_* in _cc, the rest in _framework). */
export const WHEEL_LIBRARIES = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'] as const;
/** Where the wheel keeps its C and C++ headers. */
export const WHEEL_INCLUDE = 'tensorflow/include/';
/** The headers tfjs-node's binding includes (binding/*.cc), from which the rest follow. */
export const HEADER_ROOTS = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h', 'tensorflow/core/platform/ctstring_internal.h'] as const;

/** What a wheel says about itself. */
export interface WheelInfo {
  /** Distribution name from METADATA: tensorflow, tensorflow-cpu, tensorflow-intel, ... */
  name: string;
  version: string;
  /** Tags from the WHEEL file, e.g. ["cp311-cp311-manylinux_2_27_x86_64"]. */
  tags: string[];
  /** sha256 of libtensorflow_cc.so.2 as the wheel's RECORD gives it (urlsafe base64): names a build. */
  libraryHash: string;
  /** Uncompressed bytes of each entry, by path. */
  sizes: Map<string, number>;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => (error ? reject(error) : resolve(zip)));
  });
}

function entries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const all = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => {
      all.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(all));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

async function readText(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await openEntry(zip, entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An open wheel: its entries and what it says about itself. Close it when done. */
export class Wheel {
  private constructor(
    readonly path: string,
    readonly info: WheelInfo,
    private readonly zip: yauzl.ZipFile,
    private readonly all: Map<string, yauzl.Entry>,
  ) {}

  /** Opens `path` and checks it holds TensorFlow's C libraries and headers; NetspaceError naming what is wrong. */
  static async open(path: string): Promise<Wheel> {
    let zip: yauzl.ZipFile;
    try {
      zip = await openZip(path);
    } catch (error) {
      throw new NetspaceError(messages.native.notWheel(path, `not a zip file (${(error as Error).message})`));
    }
    try {
      const all = await entries(zip);
      const distInfo = [...all.keys()].find((n) => /^[^/]+\.dist-info\/WHEEL$/.test(n));
      if (distInfo === undefined) throw new NetspaceError(messages.native.notWheel(path, 'it has no .dist-info/WHEEL'));
      const dir = distInfo.slice(0, -'WHEEL'.length);
      const wheelText = await readText(zip, all.get(distInfo)!);
      const metadata = all.has(`${dir}METADATA`) ? await readText(zip, all.get(`${dir}METADATA`)!) : '';
      const record = all.has(`${dir}RECORD`) ? await readText(zip, all.get(`${dir}RECORD`)!) : '';
      const field = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}:\\s*(.+)$`, 'gm'))].map((m) => m[1]!.trim());
      const name = field(metadata, 'Name')[0] ?? '';
      const missing = [...WHEEL_LIBRARIES, `${WHEEL_INCLUDE}${HEADER_ROOTS[0]}`].filter((n) => !all.has(n));
      if (!/^tensorflow([-_].+)?$/i.test(name) || missing.length > 0) {
        throw new NetspaceError(messages.native.notWheel(path, `${name || 'a wheel'} without ${missing.join(', ') || "TensorFlow's name"}`));
      }
      const libraryHash = /^tensorflow\/libtensorflow_cc\.so\.2,sha256=([^,]+),/m.exec(record)?.[1] ?? `size-${all.get(WHEEL_LIBRARIES[0])!.uncompressedSize}`;
      const sizes = new Map([...all].map(([n, e]) => [n, e.uncompressedSize]));
      const info: WheelInfo = { name, version: field(metadata, 'Version')[0] ?? '', tags: field(wheelText, 'Tag'), libraryHash, sizes };
      return new Wheel(path, info, zip, all);
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  /** Whether the wheel is for this machine's OS and CPU (netspace builds the addon for Linux x86-64 only). */
  fitsThisMachine(): boolean {
    return process.platform === 'linux' && process.arch === 'x64' && this.info.tags.some((t) => /linux.*_x86_64$/.test(t));
  }

  /** The headers needed to compile against `roots` (paths under tensorflow/include/): every #include "..." followed. */
  async headerClosure(roots: readonly string[] = HEADER_ROOTS): Promise<string[]> {
    const seen = new Set<string>();
    const todo = [...roots];
    while (todo.length > 0) {
      const header = todo.pop()!;
      const entry = this.all.get(`${WHEEL_INCLUDE}${header}`);
      if (seen.has(header) || entry === undefined) continue;
      seen.add(header);
      for (const m of (await readText(this.zip, entry)).matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) todo.push(m[1]!);
    }
    return [...seen].sort();
  }

  /** Uncompressed bytes of `paths` (entry names). */
  bytes(paths: readonly string[]): number {
    return paths.reduce((sum, p) => sum + (this.info.sizes.get(p) ?? 0), 0);
  }

  /** Writes the entry `path` to `to`, creating folders. */
  async extract(path: string, to: string): Promise<void> {
    const entry = this.all.get(path);
    if (entry === undefined) throw new Error(`${this.path} has no ${path}`);
    await mkdir(dirname(to), { recursive: true });
    await pipeline(await openEntry(this.zip, entry), createWriteStream(to));
  }

  /** Writes each of `headers` (paths under tensorflow/include/) below `dir`. */
  async extractHeaders(headers: readonly string[], dir: string): Promise<void> {
    for (const h of headers) await this.extract(`${WHEEL_INCLUDE}${h}`, join(dir, h));
  }

  close(): void {
    this.zip.close();
  }
}
