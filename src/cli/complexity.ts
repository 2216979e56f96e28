// `netspace complexity`'s flags turned into a config and its counts: the flag names live here, in the CLI layer.
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { FASHION_MNIST_SCALE, IMAGENET_SCALE } from '../space/builtins.ts';
import { complexity, type Complexity } from '../space/complexity.ts';
import type { AnyNetConfig } from '../space/config.ts';
import { parseRegNetArgument } from '../space/load.ts';
import { resolveModelConfig } from '../space/presets.ts';
import { generateRegNet, type ModelBase } from '../space/regnet.ts';

/** What `netspace complexity` is asked: a config (preset or file) or RegNet parameters, at a resolution. */
export interface ComplexityRequest {
  /** Preset name or config JSON file (resolveModelConfig); exactly one of `config` and `regnet` is given. */
  config?: string;
  /** RegNet parameters as parseRegNetArgument reads them. */
  regnet?: string;
  /** Input side in pixels; default 28 (Fashion-MNIST). */
  resolution?: number;
  /** With `regnet` only: input channels (default 1), classes (default 10), stem width (default 32, the paper's),
   * conv bias (default false, as pycls). A config file states these itself. */
  inputChannels?: number;
  numClasses?: number;
  stemWidth?: number;
  convBias?: boolean;
}

export interface ComplexityReport extends Complexity {
  config: AnyNetConfig;
  /** Input side in pixels the counts are for. */
  resolution: number;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new NetspaceError(messages.option.positiveInteger(option, value));
  return v;
}

/** What `netspace complexity` does: builds the config the request names and counts its flops, params and acts. */
export function describeComplexity(request: ComplexityRequest): ComplexityReport {
  if ((request.config === undefined) === (request.regnet === undefined)) {
    throw new NetspaceError(messages.space.complexityInput());
  }
  let config: AnyNetConfig;
  if (request.regnet !== undefined) {
    const base: ModelBase = {
      inputChannels: positive('--channels', request.inputChannels, FASHION_MNIST_SCALE.inputChannels),
      numClasses: positive('--classes', request.numClasses, FASHION_MNIST_SCALE.numClasses),
      stemWidth: positive('--stem', request.stemWidth, IMAGENET_SCALE.stemWidth),
      convBias: request.convBias ?? IMAGENET_SCALE.convBias,
    };
    config = generateRegNet(parseRegNetArgument(request.regnet), base);
  } else {
    for (const [option, value] of [['--channels', request.inputChannels], ['--classes', request.numClasses], ['--stem', request.stemWidth], ['--conv-bias', request.convBias]] as const) {
      if (value !== undefined) throw new NetspaceError(messages.space.regnetOnly(option, request.config!));
    }
    config = resolveModelConfig(request.config!);
  }
  const resolution = positive('--resolution', request.resolution, FASHION_MNIST_SCALE.resolution);
  return { config, resolution, ...complexity(config, resolution) };
}
