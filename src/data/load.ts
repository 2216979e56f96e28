// A dataset in memory: decoded once per process per folder, on SharedArrayBuffers that workers read in place.
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { dataFiles, dataSources, datasetSpec, type DatasetSpec } from './datasets.ts';
import { assembleSplit, readPart, type Split } from './decode.ts';
import { downloadDataset, type DownloadOptions } from './download.ts';
import { describeSource, locateDataset, type DataCandidate, type LocateOptions } from './locate.ts';

/**
 * A dataset: its description and both splits, for the real files 60,000 (CIFAR-10: 50,000) training and 10,000 test
 * images. Plain data on SharedArrayBuffers: a worker thread given a Dataset reads the same memory.
 */
export interface Dataset {
  /** The description the files were checked against (image shape, classes, normalisation). */
  spec: DatasetSpec;
  train: Split;
  /** The 10k test split, used for validation as the d2l chapter does. */
  test: Split;
  /** Absolute folder the files were read from. */
  dir: string;
}

export interface LoadOptions extends LocateOptions {
  /** Download to ./data/<name> (or the folder named by --data-dir or the dataset's variable) when no data is found. */
  download?: boolean | undefined;
  /** Passed to downloadDataset. */
  baseUrl?: DownloadOptions['baseUrl'];
  checksums?: DownloadOptions['checksums'];
  /** Receives a line when a download starts and the download's progress lines. */
  log?: ((line: string) => void) | undefined;
}

const LOAD_DEFAULTS = Object.freeze({ download: true, log: (_line: string): void => undefined });

/** Description and absolute folder -> its decoded data; the promise is shared so concurrent callers decode once. */
const cache = new Map<string, Promise<Dataset>>();

/**
 * Finds `dataset` (a built-in name such as 'fashion-mnist' or 'cifar10', or a description; see locateDataset),
 * downloads it if allowed and needed, and decodes and checks every file against the description. A second call for
 * the same dataset and folder returns the same object. Every failure is a NetspaceError naming the file and the
 * problem; when no data can be had, the message lists the ways to get it.
 */
/**
 * Throws the NetspaceError `loadDataset` would throw when `dataset`'s files are not found and downloads are off, without
 * reading them: a check made before anything is stored for a run that could not train.
 */
export function requireLocalDataset(dataset: string | DatasetSpec, options: LocateOptions = {}): void {
  const spec = datasetSpec(dataset);
  const location = locateDataset(spec, options);
  if (location.dir !== null) return;
  throw new NetspaceError(messages.data.noData(location.candidates.map((c) => describeCandidate(spec, c)), null, dataSources(spec)));
}

export async function loadDataset(dataset: string | DatasetSpec, options: LoadOptions = {}): Promise<Dataset> {
  const spec = datasetSpec(dataset);
  const log = options.log ?? LOAD_DEFAULTS.log;
  let location = locateDataset(spec, options);
  if (location.dir === null) {
    const looked = location.candidates.map((candidate) => describeCandidate(spec, candidate));
    if (!(options.download ?? LOAD_DEFAULTS.download)) throw new NetspaceError(messages.data.noData(looked, null, dataSources(spec)));
    log(`${spec.title} not found (looked in: ${looked.join('; ')}); downloading it to ${location.downloadDir}`);
    try {
      await downloadDataset(spec, location.downloadDir, { baseUrl: options.baseUrl, checksums: options.checksums, log });
    } catch (error) {
      if (isNetspaceError(error)) throw new NetspaceError(messages.data.noData(looked, error.message, dataSources(spec)));
      throw error;
    }
    location = locateDataset(spec, { ...options, dataDir: location.downloadDir });
  }
  const candidate = location.candidates.find((c) => c.dir === location.dir)!;
  const key = `${candidate.dir}\n${JSON.stringify(spec)}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = decode(spec, candidate);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/** "DIR (how it was named): what is missing", for messages listing where the data was looked for. */
function describeCandidate(spec: DatasetSpec, candidate: DataCandidate): string {
  const missing = Object.keys(candidate.files).filter((name) => candidate.files[name] === null);
  return messages.data.lookedIn(candidate.dir, describeSource(candidate.source, spec), missing, dataSources(spec));
}

async function decode(spec: DatasetSpec, candidate: DataCandidate): Promise<Dataset> {
  const files = dataFiles(spec);
  const parts = await Promise.all(files.map((file) => readPart(spec, file, candidate.files[file.name]!)));
  const split = (name: 'train' | 'test'): Split => assembleSplit(spec, parts.filter((_, i) => files[i]!.split === name));
  return Object.freeze({ spec, train: split('train'), test: split('test'), dir: candidate.dir });
}
