// A stand-in task for the shard tests (not a test file): writes the shard of one task as `sweep work` would, with
// made-up epochs and checkpoints, resuming from what an earlier (killed) attempt left, exactly as a requeued task does.
// Usage: node --import tsx test/cluster/shard-writer.ts <submission folder> <task> <run ids, comma-separated> <epochs>
//        [<run id>:<epoch>: after writing that epoch, wait to be killed]
import { ShardWriter } from '../../src/cluster/shard.ts';
import { fakeCheckpoint, fakeEpoch } from './fixtures.ts';

const [dir, taskText, idsText, epochsText, holdAt] = process.argv.slice(2);
const task = Number(taskText);
const epochs = Number(epochsText);
const writer = ShardWriter.open(dir!, task);
writer.taskStart({ task, tasks: 3, host: 'test', pid: process.pid, jobId: null, arrayJobId: null, restart: null, cudaVisibleDevices: null });
let trained = 0;
for (const runId of idsText!.split(',').map(Number)) {
  const known = writer.state.runs.get(runId);
  if (known?.result) continue;
  const resumed = known?.checkpoint ? known.epochs : [];
  writer.runStart(runId, resumed, known?.checkpoint ?? null);
  const list = [...resumed];
  for (let e = resumed.length + 1; e <= epochs; e++) {
    const record = fakeEpoch(runId, e);
    writer.epoch(runId, record, fakeCheckpoint(runId, e));
    list.push(record);
    if (holdAt === `${runId}:${e}`) {
      // Mid-run, at a point the test chose: stay here until it kills this process.
      setInterval(() => {}, 1000);
      await new Promise(() => {});
    }
  }
  const last = list.at(-1)!;
  writer.runEnd(runId, { status: 'done', epochs: list, finalError: 1 - last.valAccuracy, errorText: null, failureKind: null, backend: 'wasm', seconds: list.reduce((s, x) => s + x.seconds, 0) });
  trained += 1;
}
writer.taskEnd('done', null, trained);
