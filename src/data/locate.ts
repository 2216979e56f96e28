// Where the Fashion-MNIST files are: --data-dir, then $NETSPACE_DATA, then ./data/fashion-mnist, then Debian's folder.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATA_DIR_ENV, FASHION_MNIST_FILES, FILE_ROLES, type FileRole, LOCAL_DATA_DIR, SYSTEM_DATA_DIR } from './files.ts';

/** How a candidate folder was named: by the option, by the environment, or as one of the two default places. */
export type DataSource = 'option' | 'env' | 'cwd' | 'system';

/** Words for each source, used in messages and `netspace data check`. */
export const SOURCE_DESCRIPTIONS: Readonly<Record<DataSource, string>> = Object.freeze({
  option: '--data-dir',
  env: `$${DATA_DIR_ENV}`,
  cwd: `./${LOCAL_DATA_DIR}`,
  system: "Debian's dataset-fashion-mnist",
});

/** One folder that was looked at, and which of the four files it holds. */
export interface DataCandidate {
  /** Absolute folder path. */
  dir: string;
  source: DataSource;
  /** Absolute path of each file found (NAME.gz preferred over raw NAME), or null when neither is there. */
  files: Record<FileRole, string | null>;
  /** All four files are present (not yet checked for validity). */
  complete: boolean;
}

/** The result of the search. */
export interface DataLocation {
  /** Folder the data is read from, or null when none qualifies (see `locateFashionMnist`). */
  dir: string | null;
  /** Every folder looked at, in search order; the same folder named twice is listed once, under its first source. */
  candidates: DataCandidate[];
  /** Folder a download would fill: --data-dir, else $NETSPACE_DATA, else ./data/fashion-mnist. */
  downloadDir: string;
}

export interface LocateOptions {
  /** The --data-dir option; relative paths are taken from `cwd`. */
  dataDir?: string | undefined;
  /** Environment to read NETSPACE_DATA from; process.env by default. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Working directory for relative paths and ./data/fashion-mnist; process.cwd() by default. */
  cwd?: string | undefined;
}

/**
 * Finds the data folder. A folder the user named (--data-dir, else $NETSPACE_DATA) is binding: when it lacks files
 * `dir` is null rather than quietly reading some other copy. Otherwise the first complete default folder wins.
 */
export function locateFashionMnist(options: LocateOptions = {}): DataLocation {
  const cwd = resolve(options.cwd ?? process.cwd());
  const envDir = (options.env ?? process.env)[DATA_DIR_ENV];
  const named: Array<[DataSource, string | undefined]> = [
    ['option', options.dataDir],
    ['env', envDir === '' ? undefined : envDir],
    ['cwd', LOCAL_DATA_DIR],
    ['system', SYSTEM_DATA_DIR],
  ];
  const candidates: DataCandidate[] = [];
  for (const [source, path] of named) {
    if (path === undefined) continue;
    const dir = resolve(cwd, path);
    if (candidates.some((c) => c.dir === dir)) continue;
    candidates.push(inspect(dir, source));
  }
  const first = candidates[0]!;
  const binding = first.source === 'option' || first.source === 'env';
  const chosen = binding ? (first.complete ? first : undefined) : candidates.find((c) => c.complete);
  return { dir: chosen?.dir ?? null, candidates, downloadDir: binding ? first.dir : resolve(cwd, LOCAL_DATA_DIR) };
}

function inspect(dir: string, source: DataSource): DataCandidate {
  const files = {} as Record<FileRole, string | null>;
  for (const role of FILE_ROLES) {
    const name = FASHION_MNIST_FILES[role].name;
    files[role] = [`${name}.gz`, name].map((n) => join(dir, n)).find(isFile) ?? null;
  }
  return { dir, source, files, complete: FILE_ROLES.every((role) => files[role] !== null) };
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
