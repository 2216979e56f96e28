// Where a dataset's files are: --data-dir, then its environment variable, then ./data/<name>, then a system folder.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataFiles, datasetSpec, localDataDir, type DatasetSpec } from './datasets.ts';

/** How a candidate folder was named: by the option, by the environment, or as one of the two default places. */
export type DataSource = 'option' | 'env' | 'cwd' | 'system';

/** Words for each source of `spec`'s folders, used in messages and `netspace data check`: "--data-dir", "$NETSPACE_DATA". */
export function describeSource(source: DataSource, spec: DatasetSpec): string {
  const words: Record<DataSource, string> = {
    option: '--data-dir',
    env: `$${spec.envVar}`,
    cwd: `./${localDataDir(spec)}`,
    system: spec.system === null ? 'no system folder' : `Debian's ${spec.system.package}`,
  };
  return words[source];
}

/** One folder that was looked at, and which of the dataset's files it holds. */
export interface DataCandidate {
  /** Absolute folder path. */
  dir: string;
  source: DataSource;
  /** By file name (see dataFiles): the absolute path found (first of the file's paths present), or null. */
  files: Record<string, string | null>;
  /** All files are present (not yet checked for validity). */
  complete: boolean;
}

/** The result of the search. */
export interface DataLocation {
  /** Folder the data is read from, or null when none qualifies (see `locateDataset`). */
  dir: string | null;
  /** Every folder looked at, in search order; the same folder named twice is listed once, under its first source. */
  candidates: DataCandidate[];
  /** Folder a download would fill: --data-dir, else the dataset's variable, else ./data/<name>. */
  downloadDir: string;
}

export interface LocateOptions {
  /** The --data-dir option: the folder of the dataset being located; relative paths are taken from `cwd`. */
  dataDir?: string | undefined;
  /** Environment to read the dataset's variable (NETSPACE_DATA for Fashion-MNIST) from; process.env by default. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Working directory for relative paths and ./data/<name>; process.cwd() by default. */
  cwd?: string | undefined;
}

/**
 * Finds the folder of `dataset` (a built-in name or a description). A folder the user named (--data-dir, else the
 * dataset's environment variable) is binding: when it lacks files `dir` is null rather than quietly reading some
 * other copy. Otherwise the first complete default folder wins. Unknown names are a NetspaceError.
 */
export function locateDataset(dataset: string | DatasetSpec, options: LocateOptions = {}): DataLocation {
  const spec = datasetSpec(dataset);
  const cwd = resolve(options.cwd ?? process.cwd());
  const envDir = (options.env ?? process.env)[spec.envVar];
  const named: Array<[DataSource, string | undefined]> = [
    ['option', options.dataDir],
    ['env', envDir === '' ? undefined : envDir],
    ['cwd', localDataDir(spec)],
    ['system', spec.system?.dir],
  ];
  const candidates: DataCandidate[] = [];
  for (const [source, path] of named) {
    if (path === undefined) continue;
    const dir = resolve(cwd, path);
    if (candidates.some((c) => c.dir === dir)) continue;
    candidates.push(inspect(spec, dir, source));
  }
  const first = candidates[0]!;
  const binding = first.source === 'option' || first.source === 'env';
  const chosen = binding ? (first.complete ? first : undefined) : candidates.find((c) => c.complete);
  return { dir: chosen?.dir ?? null, candidates, downloadDir: binding ? first.dir : resolve(cwd, localDataDir(spec)) };
}

function inspect(spec: DatasetSpec, dir: string, source: DataSource): DataCandidate {
  const files: Record<string, string | null> = {};
  for (const file of dataFiles(spec)) files[file.name] = file.paths.map((p) => join(dir, p)).find(isFile) ?? null;
  return { dir, source, files, complete: Object.values(files).every((path) => path !== null) };
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
