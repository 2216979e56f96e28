// The four Fashion-MNIST files: their names, what each holds, where they are looked for and their canonical MD5s.
import type { DataSources } from '../messages.ts';

/** Which of the four files: the training or test split's images or labels. */
export type FileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** One Fashion-MNIST file as the dataset's authors publish it. */
export interface FileSpec {
  /** File name without the `.gz` suffix; the raw (gunzipped) file has exactly this name. */
  name: string;
  kind: 'images' | 'labels';
  split: 'train' | 'test';
  /** MD5 (hex) of the gzipped file at the canonical address; Debian's recompressed copies differ, hence downloads only. */
  md5: string;
}

export const FILE_ROLES: readonly FileRole[] = Object.freeze(['trainImages', 'trainLabels', 'testImages', 'testLabels']);

export const FASHION_MNIST_FILES: Readonly<Record<FileRole, Readonly<FileSpec>>> = Object.freeze({
  trainImages: Object.freeze({ name: 'train-images-idx3-ubyte', kind: 'images', split: 'train', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' }),
  trainLabels: Object.freeze({ name: 'train-labels-idx1-ubyte', kind: 'labels', split: 'train', md5: '25c81989df183df01b3e8a0aad5dffbe' }),
  testImages: Object.freeze({ name: 't10k-images-idx3-ubyte', kind: 'images', split: 'test', md5: 'bef4ecab320f06d8554ea6380940ec79' }),
  testLabels: Object.freeze({ name: 't10k-labels-idx1-ubyte', kind: 'labels', split: 'test', md5: 'bb300cfdad3c16e7a12a480ee83cd310' }),
} satisfies Record<FileRole, FileSpec>);

/** Where the dataset's authors publish the four .gz files. */
export const CANONICAL_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** The folder, relative to the working directory, that is searched and that automatic downloads fill. */
export const LOCAL_DATA_DIR = 'data/fashion-mnist';

/** Environment variable naming the data folder when `--data-dir` is not given. */
export const DATA_DIR_ENV = 'NETSPACE_DATA';

/** The ways to get the data, named in the message that says none was found. */
export const DATA_SOURCES: Readonly<DataSources> = Object.freeze({
  baseUrl: CANONICAL_BASE_URL,
  systemDir: SYSTEM_DATA_DIR,
  localDir: LOCAL_DATA_DIR,
  envVar: DATA_DIR_ENV,
});

/** Images in the published training and test splits. */
export const SPLIT_IMAGES = Object.freeze({ train: 60_000, test: 10_000 });

/** Number of classes; labels must lie in 0..CLASS_COUNT-1. */
export const CLASS_COUNT = 10;

/** Class names in label order, as the dataset's README gives them. */
export const CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);
