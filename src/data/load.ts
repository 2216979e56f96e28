// Fashion-MNIST in memory: decoded once per process per folder, on SharedArrayBuffers that workers read in place.
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { downloadFashionMnist, type DownloadOptions } from './download.ts';
import { DATA_SOURCES, FASHION_MNIST_FILES, FILE_ROLES, type FileRole } from './files.ts';
import { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './idx.ts';
import { SOURCE_DESCRIPTIONS, locateFashionMnist, type DataCandidate, type LocateOptions } from './locate.ts';

/**
 * One split. The arrays are views of SharedArrayBuffers: posting a Split (or a FashionMnist) to a worker thread
 * shares the memory instead of copying it.
 */
export interface Split {
  /** count * rows * cols grey levels 0..255, image after image, row-major. */
  images: Uint8Array;
  /** count class indices 0..9. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height, pixels. */
  rows: number;
  /** Image width, pixels. */
  cols: number;
}

/** The dataset: 60,000 training and 10,000 test images for the real files. */
export interface FashionMnist {
  train: Split;
  /** The 10k test split, used for validation as the d2l chapter does. */
  test: Split;
  /** Absolute folder the files were read from. */
  dir: string;
}

export interface LoadOptions extends LocateOptions {
  /** Download to ./data/fashion-mnist (or the folder named by --data-dir / $NETSPACE_DATA) when no data is found. */
  download?: boolean | undefined;
  /** Passed to downloadFashionMnist. */
  baseUrl?: DownloadOptions['baseUrl'];
  checksums?: DownloadOptions['checksums'];
  /** Receives a line when a download starts and the download's progress lines. */
  log?: ((line: string) => void) | undefined;
}

const LOAD_DEFAULTS = Object.freeze({ download: true, log: (_line: string): void => undefined });

/** Absolute folder -> its decoded data; the promise is shared so concurrent callers decode once. */
const cache = new Map<string, Promise<FashionMnist>>();

/**
 * Finds (see locateFashionMnist), downloads if allowed and needed, decodes and checks the four files. A second call
 * for the same folder returns the same object. Every failure is a NetspaceError naming the file and the problem;
 * when no data can be had, the message lists the ways to get it.
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<FashionMnist> {
  const log = options.log ?? LOAD_DEFAULTS.log;
  let location = locateFashionMnist(options);
  if (location.dir === null) {
    const looked = location.candidates.map(describeCandidate);
    if (!(options.download ?? LOAD_DEFAULTS.download)) throw new NetspaceError(messages.data.noData(looked, null, DATA_SOURCES));
    log(`Fashion-MNIST not found (looked in: ${looked.join('; ')}); downloading it to ${location.downloadDir}`);
    try {
      await downloadFashionMnist(location.downloadDir, { baseUrl: options.baseUrl, checksums: options.checksums, log });
    } catch (error) {
      if (isNetspaceError(error)) throw new NetspaceError(messages.data.noData(looked, error.message, DATA_SOURCES));
      throw error;
    }
    location = locateFashionMnist({ ...options, dataDir: location.downloadDir });
  }
  const candidate = location.candidates.find((c) => c.dir === location.dir)!;
  let pending = cache.get(candidate.dir);
  if (pending === undefined) {
    pending = decode(candidate);
    cache.set(candidate.dir, pending);
    pending.catch(() => cache.delete(candidate.dir));
  }
  return pending;
}

/** "DIR (how it was named): what is missing", for messages listing where the data was looked for. */
function describeCandidate(candidate: DataCandidate): string {
  const missing = FILE_ROLES.filter((role) => candidate.files[role] === null).map((role) => FASHION_MNIST_FILES[role].name);
  return messages.data.lookedIn(candidate.dir, SOURCE_DESCRIPTIONS[candidate.source], missing, FILE_ROLES.length);
}

async function decode(candidate: DataCandidate): Promise<FashionMnist> {
  const path = (role: FileRole): string => candidate.files[role]!;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxImages(path('trainImages')),
    readIdxLabels(path('trainLabels')),
    readIdxImages(path('testImages')),
    readIdxLabels(path('testLabels')),
  ]);
  const train = assembleSplit(path('trainImages'), trainImages, path('trainLabels'), trainLabels);
  const test = assembleSplit(path('testImages'), testImages, path('testLabels'), testLabels);
  checkSameShape(path('trainImages'), train, path('testImages'), test);
  return Object.freeze({ train, test, dir: candidate.dir });
}

/** Pairs an image file with its label file; their counts must agree. */
export function assembleSplit(imagesPath: string, images: IdxImages, labelsPath: string, labels: IdxLabels): Split {
  if (images.count !== labels.count) throw new NetspaceError(messages.data.countMismatch(imagesPath, images.count, labelsPath, labels.count));
  return Object.freeze({ images: images.pixels, labels: labels.labels, count: images.count, rows: images.rows, cols: images.cols });
}

/** Training and test images must have one size: a model is built for one input shape. */
export function checkSameShape(trainPath: string, train: Pick<Split, 'rows' | 'cols'>, testPath: string, test: Pick<Split, 'rows' | 'cols'>): void {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new NetspaceError(messages.data.shapeMismatch(trainPath, `${train.rows}x${train.cols}`, testPath, `${test.rows}x${test.cols}`));
  }
}
