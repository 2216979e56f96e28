// One model trained on its own (`netspace train`, `netspace baseline`): a sweep of one, so it resumes the same way.
import { createHash } from 'node:crypto';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { canonicalKey } from '../space/key.ts';
import type { AnyNetConfig } from '../space/config.ts';
import { readStore } from '../store/store.ts';
import type { RunRecord, TrainSettings } from '../core/types.ts';
import { runSweep, type RunSweepOptions, type SweepSummary } from './sweep.ts';
import type { BackendRequest } from '../engine/options.ts';
import type { SweepSpec } from './spec.ts';

/** What `netspace train` asks for. */
export interface SingleRunRequest {
  /** Label of the model in the database (the preset name or the config file's base name). */
  modelName: string;
  config: AnyNetConfig;
  settings: TrainSettings;
  /** Seeds the run (its weights, subsets and shuffles are derived from it). */
  seed: number;
  backend: BackendRequest;
}

/**
 * The sweep a single run is stored as. Its name carries a hash of the model and settings, so that the same command
 * run again resumes the same run, while a different model or setting is a run of its own.
 */
export function singleRunSpec(request: SingleRunRequest): SweepSpec {
  const identity = JSON.stringify({ key: canonicalKey(request.config), settings: request.settings, seed: request.seed });
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return {
    kind: 'sweep',
    name: `train-${request.modelName.replace(/[^A-Za-z0-9_.@-]/g, '_')}-${hash}`,
    description: `netspace train ${request.modelName}`,
    seed: request.seed,
    spaces: [{ kind: 'model', name: request.modelName, config: request.config, n: 1 }],
    complexity: { flops: [null, null], params: [null, null], acts: [null, null] },
    train: request.settings,
    backend: request.backend,
    workers: 1,
  };
}

/** Trains (or resumes, or finds already trained) one model, and returns the sweep summary and the stored run. */
export async function trainSingle(
  request: SingleRunRequest,
  options: Omit<RunSweepOptions, 'workers' | 'force'>,
): Promise<{ summary: SweepSummary; run: RunRecord }> {
  const spec = singleRunSpec(request);
  const summary = await runSweep(spec, { ...options, workers: 1 });
  const run = readStore(options.db, (store) => store.readSweep(summary.sweep).runs[0]);
  if (run === undefined) throw new NetspaceError(messages.train.noRun(options.db, summary.sweep));
  return { summary, run };
}
