// The data module's public face: what the trainer, the worker pool and the CLI import.
//
//   locateFashionMnist -> (downloadFashionMnist) -> loadFashionMnist: FashionMnist on SharedArrayBuffers
//     -> stratifiedSubset (train/val indices) -> epochOrder (per-epoch shuffle) -> fillBatch (NHWC floats, resized)
//     -> fillAugmentedBatch (the recipe's crops and flips, per run and epoch)
export {
  FASHION_MNIST_TRAITS,
  augmentationRng,
  augments,
  checkAugmentation,
  fillAugmentedBatch,
  resizedCropBox,
  type DatasetTraits,
} from './augment.ts';
export { fillBatch, type Batch, type Box } from './batch.ts';
export { checkFashionMnist, formatDataCheck, type DataCheck, type FileCheck, type FolderCheck } from './check.ts';
export { downloadFashionMnist, type DownloadOptions, type DownloadResult, type DownloadedFile } from './download.ts';
export {
  CANONICAL_BASE_URL,
  CLASS_COUNT,
  CLASS_NAMES,
  DATA_DIR_ENV,
  FASHION_MNIST_FILES,
  FILE_ROLES,
  LOCAL_DATA_DIR,
  SYSTEM_DATA_DIR,
  type FileRole,
  type FileSpec,
} from './files.ts';
export { readIdxImages, readIdxLabels, type IdxImages, type IdxLabels } from './idx.ts';
export { loadFashionMnist, type FashionMnist, type LoadOptions, type Split } from './load.ts';
export { SOURCE_DESCRIPTIONS, locateFashionMnist, type DataCandidate, type DataLocation, type DataSource, type LocateOptions } from './locate.ts';
export { epochOrder, stratifiedSubset } from './sampling.ts';
