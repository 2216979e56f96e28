// Unpacks the batch files of a verified CIFAR archive (tar.gz) into the data folder, and nothing else from it.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { CifarBinaryFormat } from './datasets.ts';

/** One file taken out of the archive. */
export interface UnpackedFile {
  name: string;
  /** Absolute path in the data folder. */
  path: string;
  /** Size, bytes. */
  bytes: number;
}

/**
 * Extracts `format`'s batch files (FOLDER/NAME in the archive) into `dir` as dir/NAME. They are unpacked into a
 * temporary folder first and moved into place only when every one was found, so a bad archive leaves the folder as
 * it was. The archive's own checksum is the download's business; this throws a NetspaceError naming the archive when
 * it cannot be read as a tar.gz or lacks a file.
 */
export async function unpackCifarBatches(archive: string, dir: string, format: CifarBinaryFormat): Promise<UnpackedFile[]> {
  const names = [...format.train, ...format.test];
  const wanted = new Set(names.map((name) => `${format.folder}/${name}`));
  const scratch = join(dir, `.${format.archive.name}.${process.pid}.unpack`);
  await rm(scratch, { recursive: true, force: true });
  try {
    await mkdir(scratch, { recursive: true });
    try {
      // strict: a damaged entry or a cut stream rejects instead of being skipped with a warning.
      await extract({ file: archive, cwd: scratch, strict: true, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
    } catch (error) {
      throw new NetspaceError(messages.data.badArchive(archive, (error as Error).message));
    }
    const found = await Promise.all(names.map((name) => stat(join(scratch, format.folder, name)).catch(() => null)));
    const missing = names.filter((_, i) => !(found[i]?.isFile() ?? false));
    if (missing.length > 0) throw new NetspaceError(messages.data.archiveLacks(archive, missing.map((name) => `${format.folder}/${name}`)));
    const out: UnpackedFile[] = [];
    for (const [i, name] of names.entries()) {
      const path = join(dir, name);
      await rename(join(scratch, format.folder, name), path);
      out.push({ name, path, bytes: found[i]!.size });
    }
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
