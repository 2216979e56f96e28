// Data benchmark: decoding the training set from .gz, and filling one 128x96x96 batch (median of several).
// Run: npx tsx bench/data.ts [data folder]   (default: the folder training would use)
import { fillBatch, epochOrder, loadDataset, locateDataset, readIdxImages, readIdxLabels, stratifiedSubset } from '../src/data/index.ts';

const DECODE_RUNS = 3;
const BATCH_RUNS = 30;
const WARMUP = 5;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Wall milliseconds of `run`; CPU milliseconds (all threads) are added to `cpu`, steadier on a shared machine. */
async function time(run: () => unknown, cpu: number[] = []): Promise<number> {
  const startCpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(startCpu);
  cpu.push((used.user + used.system) / 1000);
  return wall;
}

const location = locateDataset('fashion-mnist', { dataDir: process.argv[2] });
const candidate = location.candidates.find((c) => c.dir === location.dir);
if (candidate === undefined) throw new Error('no Fashion-MNIST found; pass a folder or run `netspace data download`');
const imagesPath = candidate.files['train-images-idx3-ubyte']!;
const labelsPath = candidate.files['train-labels-idx1-ubyte']!;

const decode: number[] = [];
const decodeCpu: number[] = [];
for (let i = 0; i < DECODE_RUNS; i++) decode.push(await time(() => Promise.all([readIdxImages(imagesPath), readIdxLabels(labelsPath, 10)]), decodeCpu));
console.log(
  `decode training set (${imagesPath} + labels): median ${median(decode).toFixed(0)} ms wall, ${median(decodeCpu).toFixed(0)} ms CPU, of ${DECODE_RUNS} (${decode.map((t) => t.toFixed(0)).join(', ')})`,
);

const data = await loadDataset('fashion-mnist', { dataDir: candidate.dir, download: false });
const order = epochOrder(stratifiedSubset(data.train.labels, null, 0), 0, 1);
for (const [batchSize, resolution] of [[128, 96], [128, 28], [256, 96]] as const) {
  const out = { x: new Float32Array(batchSize * resolution * resolution), y: new Int32Array(batchSize) };
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + BATCH_RUNS; i++) {
    const indices = order.subarray(i * batchSize, (i + 1) * batchSize);
    const t = await time(() => fillBatch(data.train, indices, resolution, out), i >= WARMUP ? cpu : []);
    if (i >= WARMUP) times.push(t);
  }
  console.log(
    `batch ${batchSize}x${resolution}x${resolution}: median ${median(times).toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU, of ${BATCH_RUNS} (wall min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})`,
  );
}
const orderTimes: number[] = [];
for (let epoch = 1; epoch <= 5; epoch++) orderTimes.push(await time(() => epochOrder(order, 0, epoch)));
console.log(`epochOrder over 60,000 indices: median ${median(orderTimes).toFixed(1)} ms`);
