// A trained AnyNet on disk in TF.js's weights format: model.json (the config and a weightsManifest) and weights.bin.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { parseAnyNetConfig, type AnyNetConfig } from '../space/config.ts';
import { buildAnyNet, type AnyNetModel } from './anynet.ts';

/** The format tag of model.json; a reader refuses any other. */
export const SAVED_MODEL_FORMAT = 'netspace-anynet/1';

/** One tensor of weights.bin, in order (TF.js's WeightsManifestEntry: tf.io.decodeWeights reads it). */
export interface SavedWeight {
  /** The variable's path in the model (stem.conv.weight, stage1.block0.bn1.movingMean, head.fc.bias, ...). */
  name: string;
  /** Shape; conv weights are [kh, kw, in / groups, out] (NHWC, as tf.conv2d), linear [in, out]. */
  shape: number[];
  dtype: 'float32';
}

/**
 * What model.json holds: the AnyNet config that builds the network (`buildAnyNet`), the TF.js weights manifest of
 * weights.bin (trainable weights, then the batch-norm running statistics, little-endian float32), and where the
 * weights came from.
 */
export interface SavedModel {
  format: typeof SAVED_MODEL_FORMAT;
  config: AnyNetConfig;
  /** TF.js's weights manifest: one group, one file. */
  weightsManifest: [{ paths: ['weights.bin']; weights: SavedWeight[] }];
  /** Input the network was trained on: side in pixels, NHWC images with values in [0, 1]. */
  input: { resolution: number; channels: number };
  /** The run the weights are the final checkpoint of, as netspace stored it. */
  source: Record<string, string | number | null>;
}

/** The manifest entries of a model's variables in checkpoint order (trainable, then state). */
function manifest(model: AnyNetModel): SavedWeight[] {
  return [...model.trainable, ...model.state].map(({ name, variable }) => ({ name, shape: [...variable.shape], dtype: 'float32' }));
}

/**
 * Writes `weights` (a checkpoint: AnyNetModel.saveWeights() of a model built from `config`) into `dir` as model.json
 * and weights.bin; the backend must be initialised (the model is built to name and check the weights). Throws a
 * NetspaceError when the checkpoint does not fit the config. Returns the paths written.
 */
export function writeSavedModel(
  dir: string,
  config: AnyNetConfig,
  weights: Float32Array,
  meta: { resolution: number; source: SavedModel['source'] },
): { json: string; weights: string } {
  const model = buildAnyNet(config);
  try {
    const expected = [...model.trainable, ...model.state].reduce((n, v) => n + v.variable.size, 0);
    if (weights.length !== expected) throw new NetspaceError(messages.model.checkpointSize(weights.length, expected));
    const saved: SavedModel = {
      format: SAVED_MODEL_FORMAT,
      config,
      weightsManifest: [{ paths: ['weights.bin'], weights: manifest(model) }],
      input: { resolution: meta.resolution, channels: config.inputChannels },
      source: meta.source,
    };
    mkdirSync(dir, { recursive: true });
    const paths = { json: join(dir, 'model.json'), weights: join(dir, 'weights.bin') };
    writeFileSync(paths.weights, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    writeFileSync(paths.json, `${JSON.stringify(saved, null, 2)}\n`);
    return paths;
  } finally {
    model.dispose();
  }
}

/**
 * Builds the network of a directory written by writeSavedModel, with its weights; the backend must be initialised.
 * Throws a NetspaceError naming the file when it is not such a model or its weights do not fit.
 */
export function loadSavedModel(dir: string): { model: AnyNetModel; saved: SavedModel } {
  const jsonPath = join(dir, 'model.json');
  let saved: SavedModel;
  try {
    saved = JSON.parse(readFileSync(jsonPath, 'utf8')) as SavedModel;
  } catch (error) {
    throw new NetspaceError(messages.model.notSaved(jsonPath, (error as Error).message));
  }
  if (saved?.format !== SAVED_MODEL_FORMAT) throw new NetspaceError(messages.model.notSaved(jsonPath, `format is not ${SAVED_MODEL_FORMAT}`));
  const model = buildAnyNet(parseAnyNetConfig(saved.config, `${jsonPath}: config`));
  const names = manifest(model).map((w) => w.name);
  if (JSON.stringify(names) !== JSON.stringify(saved.weightsManifest[0].weights.map((w) => w.name))) {
    model.dispose();
    throw new NetspaceError(messages.model.notSaved(jsonPath, 'its weights are not those of its config'));
  }
  const bytes = readFileSync(join(dir, saved.weightsManifest[0].paths[0]));
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const expected = names.length === 0 ? 0 : [...model.trainable, ...model.state].reduce((n, v) => n + v.variable.size, 0);
  if (data.length !== expected) {
    model.dispose();
    throw new NetspaceError(messages.model.checkpointSize(data.length, expected));
  }
  model.loadWeights(data);
  return { model, saved };
}
