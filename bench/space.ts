// Sampler benchmark: 100,000 distinct configs per space, each with its complexity counted and checked, as configs/s.
// Run: npx tsx bench/space.ts [space ...] [-n N]   (default: AnyNetX_A RegNetX@imagenet, n 100000)
// RegNetX at Fashion-MNIST scale holds only about 16,500 distinct 2-stage networks, so it cannot give 100,000;
// AnyNetX_E can, slowly: near 100,000 most draws repeat an earlier config (its 2-stage space is small and skewed).
import { builtinSpaces, SPACE_DEFAULTS } from '../src/space/builtins.ts';
import { sampleConfigs, type ComplexityRange } from '../src/space/sampler.ts';
import type { SpaceSpec } from '../src/space/spec.ts';

const args = process.argv.slice(2);
const nFlag = args.indexOf('-n');
const n = nFlag >= 0 ? Number(args.splice(nFlag, 2)[1]) : 100_000;
const names = args.length > 0 ? args : ['AnyNetX_A', 'RegNetX@imagenet'];

/** Builtins by name, plus the ImageNet-scale spaces as `<kind>@imagenet`. */
const spaces = new Map<string, SpaceSpec>([
  ...Object.entries(builtinSpaces),
  ...Object.values(SPACE_DEFAULTS.imagenet).map((s): [string, SpaceSpec] => [s.name, s]),
]);

/** A flops band that rejects some draws at each scale, so that the checks are part of what is timed. */
const FLOPS: Record<string, ComplexityRange> = { 'fashion-mnist': [null, 20e6], imagenet: [null, 4e9] };

for (const name of names) {
  const space = spaces.get(name);
  if (space === undefined) throw new Error(`unknown space ${name}; known: ${[...spaces.keys()].join(', ')}`);
  const flops = FLOPS[space.scale]!;
  sampleConfigs(space, { n: 2000, seed: 1, flops }); // warm-up: JIT and inline caches
  const start = performance.now();
  const samples = sampleConfigs(space, { n, seed: 0, flops });
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${name.padEnd(18)} ${samples.length} configs with flops <= ${flops[1]!.toExponential(0)}: ${seconds.toFixed(2)} s, ` +
      `${Math.round(samples.length / seconds).toLocaleString('en-US')} configs/s`,
  );
}
