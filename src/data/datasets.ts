// The datasets netspace trains on, as plain data: image shape, classes, normalisation, files, address and checksums.
//
// A description holds no functions or class instances, so a Dataset (description + splits) crosses to worker threads
// by structured clone. Where a folder is looked for (locate.ts): --data-dir names the folder of the dataset the command
// works on, whichever it is; each dataset has its own environment variable (`envVar`: NETSPACE_DATA stays
// Fashion-MNIST's, the others are NETSPACE_DATA_<NAME>), so one shell can point at several datasets at once; the
// default folder is ./data/<name>; only Fashion-MNIST has a system copy (Debian's dataset-fashion-mnist).
import { NetspaceError } from '../errors.ts';
import { messages, type DataSources } from '../messages.ts';

export type SplitName = 'train' | 'test';

/**
 * Per-channel normalisation after scaling bytes to [0, 1]: x = (v / 255 - mean[c]) / std[c], as torchvision's
 * ToTensor then Normalize compute it.
 */
export interface Normalization {
  /** One value per channel, on the [0, 1] scale. */
  mean: readonly number[];
  /** One value per channel, on the [0, 1] scale, > 0. */
  std: readonly number[];
}

/** One gzipped IDX file as its dataset's authors publish it. */
export interface IdxFile {
  /** File name without `.gz`; the gunzipped file has exactly this name. */
  name: string;
  holds: 'images' | 'labels';
  split: SplitName;
  /** MD5 (hex) of NAME.gz at the dataset's address. */
  md5: string;
}

/** LeCun's IDX format (the MNIST family): images and labels of each split, each a (gzipped) IDX file. */
export interface IdxFormat {
  kind: 'idx';
  /** Training images, training labels, test images, test labels. */
  files: readonly IdxFile[];
}

/**
 * CIFAR's binary version: one archive holding batch files of fixed-size records, each one label byte followed by
 * the image's planes (all of channel 0 row-major, then channel 1, ...), with no header.
 */
export interface CifarBinaryFormat {
  kind: 'cifar-binary';
  /** The archive at the dataset's address, and its MD5 (hex). */
  archive: { name: string; md5: string };
  /** Folder inside the archive holding the batch files; also accepted as a subfolder of the data folder. */
  folder: string;
  /** Training batch files, in order. */
  train: readonly string[];
  /** Test batch files, in order. */
  test: readonly string[];
  /** Records in every batch file. */
  recordsPerFile: number;
}

/** How a dataset's files are laid out; readers and downloaders are tables keyed by `kind`. */
export type DataFormat = IdxFormat | CifarBinaryFormat;

/** A dataset as data. The built-in ones are in DATASETS; tests pass smaller variants of them. */
export interface DatasetSpec {
  /** Short name used by --dataset, folders (./data/<name>) and messages. */
  name: string;
  /** Name as its authors write it. */
  title: string;
  /** Colour channels per pixel. */
  channels: number;
  /** Image height, pixels. */
  height: number;
  /** Image width, pixels. */
  width: number;
  /** Class names in label order; labels lie in 0..classNames.length-1. */
  classNames: readonly string[];
  /** Images in the published training split. */
  trainCount: number;
  /** Images in the published test split. */
  testCount: number;
  normalization: Normalization;
  /** Whether a left-right mirror image keeps its class (so a horizontal flip is a valid augmentation). */
  flipKeepsClass: boolean;
  format: DataFormat;
  /** Folder URL (ending in '/') the format's downloads are fetched from. */
  baseUrl: string;
  /** Environment variable naming this dataset's folder when --data-dir is not given. */
  envVar: string;
  /** A system package that installs the files, and the folder it installs them to; null when there is none. */
  system: { package: string; dir: string } | null;
}

export const DATASET_NAMES = Object.freeze(['fashion-mnist', 'mnist', 'kmnist', 'cifar10'] as const);
export type DatasetName = (typeof DATASET_NAMES)[number];

/** The dataset of every sweep and database made before datasets were a choice. */
export const DEFAULT_DATASET: DatasetName = 'fashion-mnist';

/** Folder, relative to the working directory, holding one folder per dataset (./data/<name>). */
export const LOCAL_DATA_ROOT = 'data';

/** The MNIST family's four file names; each dataset publishes its own files under these names. */
function idxFiles(md5: { trainImages: string; trainLabels: string; testImages: string; testLabels: string }): IdxFormat {
  return {
    kind: 'idx',
    files: [
      { name: 'train-images-idx3-ubyte', holds: 'images', split: 'train', md5: md5.trainImages },
      { name: 'train-labels-idx1-ubyte', holds: 'labels', split: 'train', md5: md5.trainLabels },
      { name: 't10k-images-idx3-ubyte', holds: 'images', split: 'test', md5: md5.testImages },
      { name: 't10k-labels-idx1-ubyte', holds: 'labels', split: 'test', md5: md5.testLabels },
    ],
  };
}

/** Addresses and MD5s of the IDX datasets are torchvision's (torchvision/datasets/mnist.py, `mirrors`, `resources`). */
const BUILTIN: Record<DatasetName, DatasetSpec> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    channels: 1,
    height: 28,
    width: 28,
    // The dataset's README (github.com/zalandoresearch/fashion-mnist), as torchvision's FashionMNIST.classes.
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    trainCount: 60000,
    testCount: 10000,
    // None: the d2l chapter netspace follows trains on v / 255 as ToTensor gives it, and every stored run did so;
    // (x - 0) / 1 leaves each float32 pixel bit for bit what it was.
    normalization: { mean: [0], std: [1] },
    // Every class is a garment, shoe or bag whose mirror image is the same kind of article (a left shoe mirrored is
    // a right shoe); the flag states that fact about the data, and changes no pixel (netspace does not augment).
    flipKeepsClass: true,
    format: idxFiles({
      trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
      testImages: 'bef4ecab320f06d8554ea6380940ec79',
      testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
    }),
    // The dataset's authors' own address, torchvision's only FashionMNIST mirror.
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    envVar: 'NETSPACE_DATA',
    system: { package: 'dataset-fashion-mnist', dir: '/usr/share/datasets/fashion-mnist' },
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    channels: 1,
    height: 28,
    width: 28,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 60000,
    testCount: 10000,
    // Mean and std of the training pixels, as pytorch/examples mnist/main.py normalises: Normalize((0.1307,), (0.3081,)).
    normalization: { mean: [0.1307], std: [0.3081] },
    flipKeepsClass: false,
    format: idxFiles({
      trainImages: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      trainLabels: 'd53e105ee54ea40749a09fcbcd1e9432',
      testImages: '9fb629c4189551a2d022fa330f9573f3',
      testLabels: 'ec29112dd5afa0611ce80d1b7f02629c',
    }),
    // PyTorch's copy, torchvision's mirror beside yann.lecun.com/exdb/mnist/ (same files, same MD5s), which now often
    // refuses downloads.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    envVar: 'NETSPACE_DATA_MNIST',
    system: null,
  },
  kmnist: {
    name: 'kmnist',
    title: 'Kuzushiji-MNIST',
    channels: 1,
    height: 28,
    width: 28,
    // Romanised hiragana in label order (kmnist_classmap.csv; torchvision's KMNIST.classes).
    classNames: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
    trainCount: 60000,
    testCount: 10000,
    // The dataset's authors normalise with MNIST's statistics (rois-codh/kmnist benchmarks/pytorch_kmnist.py,
    // Normalize((0.1307,), (0.3081,))); no KMNIST-specific values are published with the dataset.
    normalization: { mean: [0.1307], std: [0.3081] },
    flipKeepsClass: false,
    format: idxFiles({
      trainImages: 'bdb82020997e1d708af4cf47b453dcf7',
      trainLabels: 'e144d726b3acfaa3e44228e80efcd344',
      testImages: '5c965bf0a639b31b8f53240b1b52f4d7',
      testLabels: '7320c461ea6c1c855c0b718fb2a4b134',
    }),
    // The authors' address (github.com/rois-codh/kmnist README), torchvision's only KMNIST mirror.
    baseUrl: 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
    envVar: 'NETSPACE_DATA_KMNIST',
    system: null,
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    channels: 3,
    height: 32,
    width: 32,
    // batches.meta.txt in the archive.
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    trainCount: 50000,
    testCount: 10000,
    // pycls/datasets/cifar10.py (the paper's code): _MEAN = [125.3, 123.0, 113.9], _SD = [63.0, 62.1, 66.7] on the
    // 0..255 scale, here divided by 255.
    normalization: { mean: [125.3 / 255, 123.0 / 255, 113.9 / 255], std: [63.0 / 255, 62.1 / 255, 66.7 / 255] },
    // pycls flips CIFAR-10 training images at random (Cifar10._prepare_im).
    flipKeepsClass: true,
    // https://www.cs.toronto.edu/~kriz/cifar.html: "CIFAR-10 binary version (suitable for C programs)", its md5sum,
    // and the layout: 10,000 records of <1 x label><3072 x pixel> per file, red plane, green plane, blue plane.
    format: {
      kind: 'cifar-binary',
      archive: { name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' },
      folder: 'cifar-10-batches-bin',
      train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
      test: ['test_batch.bin'],
      recordsPerFile: 10000,
    },
    baseUrl: 'https://www.cs.toronto.edu/~kriz/',
    envVar: 'NETSPACE_DATA_CIFAR10',
    system: null,
  },
};

/** Deep-freezes a plain-data value: nothing can change a description at run time. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The built-in datasets by name. */
export const DATASETS: Readonly<Record<DatasetName, Readonly<DatasetSpec>>> = deepFreeze(BUILTIN);

/** A built-in dataset by name (a NetspaceError with a "did you mean" hint for an unknown one), or `dataset` itself. */
export function datasetSpec(dataset: string | DatasetSpec): DatasetSpec {
  if (typeof dataset !== 'string') return dataset;
  if (!(DATASET_NAMES as readonly string[]).includes(dataset)) throw new NetspaceError(messages.data.unknownDataset(dataset, DATASET_NAMES));
  return DATASETS[dataset as DatasetName];
}

/** One file a data folder must hold. */
export interface DataFile {
  /** Name as published (IDX: without `.gz`). */
  name: string;
  split: SplitName;
  /** What the file holds: IDX images or labels, or records of both (CIFAR). */
  holds: 'images' | 'labels' | 'records';
  /** Paths relative to the folder where the file may be, preferred first. */
  paths: readonly string[];
}

const FILE_LISTS: { [K in DataFormat['kind']]: (format: Extract<DataFormat, { kind: K }>) => DataFile[] } = {
  idx: (format) => format.files.map(({ name, holds, split }) => ({ name, holds, split, paths: [`${name}.gz`, name] })),
  'cifar-binary': (format) =>
    (['train', 'test'] as const).flatMap((split) =>
      format[split].map((name) => ({ name, holds: 'records' as const, split, paths: [name, `${format.folder}/${name}`] })),
    ),
};

/** The files a folder must hold for `spec`, training files first. */
export function dataFiles(spec: DatasetSpec): DataFile[] {
  return (FILE_LISTS[spec.format.kind] as (format: DataFormat) => DataFile[])(spec.format);
}

/** What each format's lookedIn message says about where a missing file may be. */
const WHERE_HINTS: Record<DataFormat['kind'], (format: DataFormat) => string> = {
  idx: () => 'each as NAME.gz or raw NAME',
  'cifar-binary': (format) => `each in the folder or in its ${(format as CifarBinaryFormat).folder}/`,
};

/** What the "copy the files" line of the not-found message names. */
const COPY_HINTS: Record<DataFormat['kind'], (format: DataFormat) => string> = {
  idx: () => 'the four *-ubyte.gz files',
  'cifar-binary': (format) => {
    const { archive, train, test } = format as CifarBinaryFormat;
    return `${[...train, ...test].join(', ')} (from ${archive.name})`;
  },
};

/** The folder, relative to the working directory, that is searched and that downloads fill: data/<name>. */
export const localDataDir = (spec: DatasetSpec): string => `${LOCAL_DATA_ROOT}/${spec.name}`;

/** The ways to get `spec`'s data, for the messages that say it was not found. */
export function dataSources(spec: DatasetSpec): DataSources {
  return {
    title: spec.title,
    downloadCommand: `netspace data download${spec.name === DEFAULT_DATASET ? '' : ` --dataset ${spec.name}`}`,
    baseUrl: spec.baseUrl,
    system: spec.system,
    localDir: localDataDir(spec),
    envVar: spec.envVar,
    fileCount: dataFiles(spec).length,
    whereHint: WHERE_HINTS[spec.format.kind](spec.format),
    copyHint: COPY_HINTS[spec.format.kind](spec.format),
  };
}
