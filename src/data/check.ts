// `netspace data check`: which files are found where, and whether each is a valid IDX file of the right kind.
import { basename } from 'node:path';
import { isNetspaceError } from '../errors.ts';
import { CLASS_COUNT, FASHION_MNIST_FILES, FILE_ROLES, type FileRole } from './files.ts';
import { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './idx.ts';
import { assembleSplit, checkSameShape } from './load.ts';
import { SOURCE_DESCRIPTIONS, locateFashionMnist, type DataSource, type LocateOptions } from './locate.ts';

/** One of the four files in one folder. */
export interface FileCheck {
  role: FileRole;
  /** File name without .gz. */
  name: string;
  /** Absolute path found, or null when neither NAME.gz nor NAME is there. */
  path: string | null;
  status: 'valid' | 'invalid' | 'missing';
  /** What the file holds ("60000 images of 28x28"), or what is wrong with it. */
  detail: string;
}

/** One folder that was looked at. */
export interface FolderCheck {
  dir: string;
  source: DataSource;
  files: FileCheck[];
  /** Disagreements between valid files (image and label counts, train and test image sizes). */
  problems: string[];
  /** All four files present and valid, and no problems. */
  usable: boolean;
}

export interface DataCheck {
  /** The folder training would read (see locateFashionMnist), or null. */
  dir: string | null;
  /** Whether `dir` is set and its files are all valid. */
  usable: boolean;
  /** Where `netspace data download` and automatic downloads would write. */
  downloadDir: string;
  folders: FolderCheck[];
}

/** Looks in every candidate folder and decodes each file found there; never throws for bad files, it reports them. */
export async function checkFashionMnist(options: LocateOptions = {}): Promise<DataCheck> {
  const location = locateFashionMnist(options);
  const folders: FolderCheck[] = [];
  for (const candidate of location.candidates) {
    const decoded: Partial<Record<FileRole, IdxImages | IdxLabels>> = {};
    const files: FileCheck[] = [];
    for (const role of FILE_ROLES) {
      const { name, kind } = FASHION_MNIST_FILES[role];
      const path = candidate.files[role];
      if (path === null) {
        files.push({ role, name, path, status: 'missing', detail: `neither ${name}.gz nor ${name}` });
        continue;
      }
      try {
        const value = kind === 'images' ? await readIdxImages(path) : await readIdxLabels(path);
        decoded[role] = value;
        files.push({ role, name, path, status: 'valid', detail: summarize(value) });
      } catch (error) {
        if (!isNetspaceError(error)) throw error;
        files.push({ role, name, path, status: 'invalid', detail: error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message });
      }
    }
    const problems = crossCheck(candidate.files, decoded);
    const usable = files.every((f) => f.status === 'valid') && problems.length === 0;
    folders.push({ dir: candidate.dir, source: candidate.source, files, problems, usable });
  }
  const chosen = folders.find((f) => f.dir === location.dir);
  return { dir: location.dir, usable: chosen?.usable ?? false, downloadDir: location.downloadDir, folders };
}

function summarize(value: IdxImages | IdxLabels): string {
  if ('pixels' in value) return `${value.count} images of ${value.rows}x${value.cols}`;
  const perClass = new Array<number>(CLASS_COUNT).fill(0);
  for (const label of value.labels) perClass[label]!++;
  const low = Math.min(...perClass);
  const high = Math.max(...perClass);
  return `${value.count} labels, ${low === high ? `${low} per class` : `${low} to ${high} per class`}`;
}

function crossCheck(paths: Record<FileRole, string | null>, decoded: Partial<Record<FileRole, IdxImages | IdxLabels>>): string[] {
  const problems: string[] = [];
  const attempt = (check: () => void): void => {
    try {
      check();
    } catch (error) {
      if (!isNetspaceError(error)) throw error;
      problems.push(error.message);
    }
  };
  const images = (role: FileRole): IdxImages | undefined => decoded[role] as IdxImages | undefined;
  const labels = (role: FileRole): IdxLabels | undefined => decoded[role] as IdxLabels | undefined;
  for (const [imagesRole, labelsRole] of [['trainImages', 'trainLabels'], ['testImages', 'testLabels']] as const) {
    const i = images(imagesRole);
    const l = labels(labelsRole);
    if (i !== undefined && l !== undefined) attempt(() => assembleSplit(paths[imagesRole]!, i, paths[labelsRole]!, l));
  }
  const train = images('trainImages');
  const test = images('testImages');
  if (train !== undefined && test !== undefined) attempt(() => checkSameShape(paths.trainImages!, train, paths.testImages!, test));
  return problems;
}

/** The report as `netspace data check` prints it: the folder in use, then every folder looked at with its files. */
export function formatDataCheck(check: DataCheck): string {
  const lines = [
    check.dir === null ? 'Fashion-MNIST: no folder qualifies' : `Fashion-MNIST is read from ${check.dir}${check.usable ? '' : ' (but its files are not all valid)'}`,
    `Downloads go to ${check.downloadDir}`,
  ];
  for (const folder of check.folders) {
    const found = folder.files.filter((f) => f.status !== 'missing').length;
    const verdict = found === 0 ? 'no files' : folder.usable ? 'usable' : 'not usable';
    lines.push('', `${folder.dir}  [${SOURCE_DESCRIPTIONS[folder.source]}]  ${verdict}`);
    if (found === 0) continue;
    for (const file of folder.files) {
      const shown = file.path === null ? file.name : basename(file.path);
      lines.push(`  ${file.status.padEnd(8)}${shown.padEnd(28)}${file.detail}`);
    }
    for (const problem of folder.problems) lines.push(`  problem: ${problem}`);
  }
  return lines.join('\n');
}
