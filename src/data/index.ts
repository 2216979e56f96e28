// The data module's public face: what the trainer, the worker pool and the CLI import.
//
//   DATASETS[name] (plain data) -> locateDataset -> (downloadDataset) -> loadDataset: Dataset on SharedArrayBuffers
//     -> stratifiedSubset (train/val indices) -> epochOrder (per-epoch shuffle) -> fillBatch (NHWC floats, normalised, resized)
//     -> fillAugmentedBatch (the recipe's crops and flips, per run and epoch)
export { augmentationRng, augments, checkAugmentation, fillAugmentedBatch, resizedCropBox } from './augment.ts';
export { fillBatch, type Batch, type Box } from './batch.ts';
export { readCifarBatch, type CifarBatch, type RecordLayout } from './cifar.ts';
export { checkDataset, formatDataCheck, type DataCheck, type FileCheck, type FolderCheck } from './check.ts';
export {
  DATASETS,
  DATASET_NAMES,
  DEFAULT_DATASET,
  LOCAL_DATA_ROOT,
  dataFiles,
  dataSources,
  datasetSpec,
  localDataDir,
  type CifarBinaryFormat,
  type DataFile,
  type DataFormat,
  type DatasetName,
  type DatasetSpec,
  type IdxFile,
  type IdxFormat,
  type Normalization,
  type SplitName,
} from './datasets.ts';
export type { Split } from './decode.ts';
export { downloadDataset, type DownloadOptions, type DownloadResult, type DownloadedFile } from './download.ts';
export { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './idx.ts';
export { loadDataset, requireLocalDataset, type Dataset, type LoadOptions } from './load.ts';
export { describeSource, locateDataset, type DataCandidate, type DataLocation, type DataSource, type LocateOptions } from './locate.ts';
export { epochOrder, stratifiedSubset } from './sampling.ts';
