// `netspace data check`: which files of a dataset are found where, and whether each is valid for it.
import { basename } from 'node:path';
import { isNetspaceError } from '../errors.ts';
import { dataFiles, datasetSpec, type DatasetSpec, type SplitName } from './datasets.ts';
import { assembleSplit, readPart, summarizePart, type Part } from './decode.ts';
import { describeSource, locateDataset, type DataSource, type LocateOptions } from './locate.ts';

/** One of the dataset's files in one folder. */
export interface FileCheck {
  /** File name as published (IDX: without .gz). */
  name: string;
  split: SplitName;
  /** Absolute path found, or null when the file is in none of its places (see DataFile.paths). */
  path: string | null;
  status: 'valid' | 'invalid' | 'missing';
  /** What the file holds ("60000 images of 28x28"), or what is wrong with it. */
  detail: string;
}

/** One folder that was looked at. */
export interface FolderCheck {
  dir: string;
  source: DataSource;
  /** How the folder was named, in words: "--data-dir", "$NETSPACE_DATA", "./data/fashion-mnist". */
  how: string;
  files: FileCheck[];
  /** Disagreements between valid files (an image file's count against its label file's). */
  problems: string[];
  /** All files present and valid, and no problems. */
  usable: boolean;
}

export interface DataCheck {
  /** The dataset's name (--dataset). */
  dataset: string;
  /** Its name as its authors write it. */
  title: string;
  /** The folder training would read (see locateDataset), or null. */
  dir: string | null;
  /** Whether `dir` is set and its files are all valid. */
  usable: boolean;
  /** Where `netspace data download` and automatic downloads would write. */
  downloadDir: string;
  folders: FolderCheck[];
}

/**
 * Looks in every candidate folder of `dataset` (a built-in name or a description) and decodes each file found there
 * against the description; never throws for bad files, it reports them. Unknown names are a NetspaceError.
 */
export async function checkDataset(dataset: string | DatasetSpec, options: LocateOptions = {}): Promise<DataCheck> {
  const spec = datasetSpec(dataset);
  const location = locateDataset(spec, options);
  const folders: FolderCheck[] = [];
  for (const candidate of location.candidates) {
    const parts: Part[] = [];
    const files: FileCheck[] = [];
    // parts[i] is files[i]'s when every file is valid, the only case in which they are assembled.
    for (const file of dataFiles(spec)) {
      const { name, split } = file;
      const path = candidate.files[name] ?? null;
      if (path === null) {
        files.push({ name, split, path, status: 'missing', detail: `not in the folder (looked for ${file.paths.join(', ')})` });
        continue;
      }
      const result = await attempt(async () => {
        const part = await readPart(spec, file, path);
        parts.push(part);
        return summarizePart(spec, part);
      });
      const detail = result.ok ? result.value : result.error.startsWith(`${path}: `) ? result.error.slice(path.length + 2) : result.error;
      files.push({ name, split, path, status: result.ok ? 'valid' : 'invalid', detail });
    }
    const problems: string[] = [];
    if (files.every((f) => f.status === 'valid')) {
      for (const split of ['train', 'test'] as const) {
        const members = parts.filter((_, i) => files[i]!.split === split);
        const result = await attempt(async () => assembleSplit(spec, members));
        if (!result.ok) problems.push(result.error);
      }
    }
    const usable = files.every((f) => f.status === 'valid') && problems.length === 0;
    folders.push({ dir: candidate.dir, source: candidate.source, how: describeSource(candidate.source, spec), files, problems, usable });
  }
  const chosen = folders.find((f) => f.dir === location.dir);
  return { dataset: spec.name, title: spec.title, dir: location.dir, usable: chosen?.usable ?? false, downloadDir: location.downloadDir, folders };
}

/** The value, or the message of the NetspaceError it threw; other errors pass through. */
async function attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (!isNetspaceError(error)) throw error;
    return { ok: false, error: error.message };
  }
}

/** The report as `netspace data check` prints it: the folder in use, then every folder looked at with its files. */
export function formatDataCheck(check: DataCheck): string {
  const lines = [
    check.dir === null ? `${check.title}: no folder qualifies` : `${check.title} is read from ${check.dir}${check.usable ? '' : ' (but its files are not all valid)'}`,
    `Downloads go to ${check.downloadDir}`,
  ];
  for (const folder of check.folders) {
    const found = folder.files.filter((f) => f.status !== 'missing').length;
    const verdict = found === 0 ? 'no files' : folder.usable ? 'usable' : 'not usable';
    lines.push('', `${folder.dir}  [${folder.how}]  ${verdict}`);
    if (found === 0) continue;
    for (const file of folder.files) {
      const shown = file.path === null ? file.name : basename(file.path);
      lines.push(`  ${file.status.padEnd(8)}${shown.padEnd(28)}${file.detail}`);
    }
    for (const problem of folder.problems) lines.push(`  problem: ${problem}`);
  }
  return lines.join('\n');
}
