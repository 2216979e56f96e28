// Tests of src/cluster/shard.ts: the event log read line by line, a killed writer's leftovers repaired, resume state.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYOUT, checkpointPath, shardPath } from '../../src/cluster/layout.ts';
import { ShardWriter, parseShardLog, readShard } from '../../src/cluster/shard.ts';
import type { TaskIdentity } from '../../src/cluster/types.ts';
import { fakeCheckpoint, fakeEpoch } from './fixtures.ts';

const identity: TaskIdentity = { task: 0, tasks: 1, host: 'h', pid: 1, jobId: '7', arrayJobId: '6', restart: null, cudaVisibleDevices: '0' };

describe('cluster/shard', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netspace-shard-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads complete lines only, counts lines that do not parse or break a run\'s order, and revives NaN', () => {
    const epoch1 = fakeEpoch(4, 1);
    const lines = [
      JSON.stringify({ type: 'task-start', at: 't0', ...identity }),
      JSON.stringify({ type: 'run-start', at: 't1', runId: 4, resumed: [], checkpoint: null }),
      JSON.stringify({ type: 'epoch', at: 't2', runId: 4, epoch: epoch1, checkpoint: 'shards/task-0/run-4-e1.ckpt' }),
      JSON.stringify({ type: 'epoch', at: 't3', runId: 4, epoch: fakeEpoch(4, 3), checkpoint: 'x' }),
      'not json',
      JSON.stringify({ type: 'epoch', at: 't4', runId: 9, epoch: fakeEpoch(9, 1), checkpoint: 'y' }),
    ];
    const partial = JSON.stringify({ type: 'run-end', at: 't5', runId: 4, result: {} }).slice(0, 30);
    const state = parseShardLog(`${lines.join('\n')}\n${partial}`);
    assert.equal(state.badLines, 3, 'epoch 3 after 1, an unparseable line, an epoch of a run never started');
    assert.equal(state.bytes, Buffer.byteLength(`${lines.join('\n')}\n`));
    const run = state.runs.get(4)!;
    assert.equal(run.result, null, 'the partial run-end line is not read');
    assert.equal(run.epochs.length, 1);
    assert.ok(Number.isNaN(run.epochs[0]!.valLoss), 'null in JSON comes back as NaN');
    assert.equal(run.epochs[0]!.trainLoss, epoch1.trainLoss);
    assert.equal(run.checkpoint, 'shards/task-0/run-4-e1.ckpt');
    assert.deepEqual(state.starts.map((s) => s.cudaVisibleDevices), ['0']);
  });

  it('writes each checkpoint before the epoch line naming it, keeps only the last, and keeps it past the end only when the run ended well', () => {
    const sub = join(dir, 'write');
    const w = ShardWriter.open(sub, 2);
    w.taskStart({ ...identity, task: 2 });
    w.runStart(5, [], null);
    w.epoch(5, fakeEpoch(5, 1), fakeCheckpoint(5, 1));
    w.epoch(5, fakeEpoch(5, 2), fakeCheckpoint(5, 2));
    const files = (): string[] => readdirSync(join(sub, shardPath(2))).sort();
    assert.deepEqual(files(), [LAYOUT.events, 'run-5-e2.ckpt']);
    const bytes = readFileSync(join(sub, checkpointPath(2, 5, 2)));
    assert.equal(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)[0], 5002);
    const state = readShard(sub, 2);
    assert.deepEqual(state.runs.get(5)!.epochs.map((e) => e.epoch), [1, 2]);
    assert.equal(state.runs.get(5)!.checkpoint, checkpointPath(2, 5, 2));
    w.runEnd(5, { status: 'done', epochs: [fakeEpoch(5, 1), fakeEpoch(5, 2)], finalError: 0.5, errorText: null, failureKind: null, backend: 'wasm', seconds: 4 });
    assert.deepEqual(files(), [LAYOUT.events, 'run-5-e2.ckpt'], 'a done run keeps its final checkpoint (the model collect stores)');
    w.runStart(6, [], null);
    w.epoch(6, fakeEpoch(6, 1), fakeCheckpoint(6, 1));
    w.runEnd(6, { status: 'diverged', epochs: [fakeEpoch(6, 1)], finalError: null, errorText: 'loss NaN', failureKind: 'diverged', backend: 'wasm', seconds: 1 });
    w.taskEnd('done', null, 2);
    assert.deepEqual(files(), [LAYOUT.events, 'run-5-e2.ckpt'], 'a diverged run\'s checkpoint goes');
    const ended = readShard(sub, 2);
    assert.deepEqual([ended.runs.get(5)!.checkpoint, ended.runs.get(6)!.checkpoint], [checkpointPath(2, 5, 2), null]);
    assert.deepEqual(readdirSync(join(ShardWriter.open(sub, 2).submissionDir, shardPath(2))).sort(), [LAYOUT.events, 'run-5-e2.ckpt'], 'reopening keeps it too');
    assert.equal(ended.runs.get(5)!.result!.status, 'done');
    assert.equal(ended.end!.reason, 'done');
    assert.equal(ended.badLines, 0);
    assert.throws(() => w.epoch(5, fakeEpoch(5, 3), fakeCheckpoint(5, 3)), /out of order/, 'an ended run takes no epoch');
  });

  it('repairs what a killed writer left (partial line, temporary and orphaned checkpoints) and resumes after its last epoch line', () => {
    const sub = join(dir, 'killed');
    const first = ShardWriter.open(sub, 0);
    first.taskStart(identity);
    first.runStart(3, [], null);
    first.epoch(3, fakeEpoch(3, 1), fakeCheckpoint(3, 1));
    const shard = join(sub, shardPath(0));
    // The kill: epoch 2's checkpoint renamed into place but its line cut off mid-write, and a temporary file.
    writeFileSync(join(sub, checkpointPath(0, 3, 2)), fakeCheckpoint(3, 2));
    writeFileSync(join(shard, 'run-3-e3.ckpt.tmp-999'), 'half');
    appendFileSync(join(shard, LAYOUT.events), JSON.stringify({ type: 'epoch', at: 'x', runId: 3, epoch: fakeEpoch(3, 2), checkpoint: checkpointPath(0, 3, 2) }).slice(0, 40));

    const again = ShardWriter.open(sub, 0);
    assert.deepEqual(readdirSync(shard).sort(), [LAYOUT.events, 'run-3-e1.ckpt'], 'the orphan and the temporary file are gone');
    assert.ok(readFileSync(join(shard, LAYOUT.events), 'utf8').endsWith('\n'), 'the partial line was cut off');
    const run = again.state.runs.get(3)!;
    assert.deepEqual(run.epochs.map((e) => e.epoch), [1]);
    assert.equal(run.checkpoint, checkpointPath(0, 3, 1));
    again.taskStart({ ...identity, restart: 1 });
    again.runStart(3, run.epochs, run.checkpoint);
    // Killed again before its first new epoch: the third attempt still finds epoch 1 and its checkpoint.
    const third = ShardWriter.open(sub, 0);
    assert.equal(third.state.runs.get(3)!.checkpoint, checkpointPath(0, 3, 1));
    assert.equal(third.state.runs.get(3)!.attempts, 2);
    assert.ok(existsSync(join(sub, checkpointPath(0, 3, 1))));
    third.runStart(3, third.state.runs.get(3)!.epochs, third.state.runs.get(3)!.checkpoint);
    third.epoch(3, fakeEpoch(3, 2), fakeCheckpoint(3, 2));
    assert.ok(!existsSync(join(sub, checkpointPath(0, 3, 1))), 'the resumed-from checkpoint goes once the next epoch is written');
    const state = readShard(sub, 0);
    assert.equal(state.badLines, 0);
    assert.equal(state.starts.length, 2);
    assert.deepEqual(state.runs.get(3)!.epochs.map((e) => e.epoch), [1, 2]);
  });

  it('never deletes a checkpoint carried in from resume/ (it is not the shard\'s)', () => {
    const sub = join(dir, 'carried');
    mkdirSync(join(sub, LAYOUT.resume), { recursive: true });
    const carried = join(sub, LAYOUT.resume, 'run-8.ckpt');
    writeFileSync(carried, fakeCheckpoint(8, 1));
    const w = ShardWriter.open(sub, 1);
    w.runStart(8, [fakeEpoch(8, 1)], join(LAYOUT.resume, 'run-8.ckpt'));
    w.epoch(8, fakeEpoch(8, 2), fakeCheckpoint(8, 2));
    w.runEnd(8, { status: 'done', epochs: [fakeEpoch(8, 1), fakeEpoch(8, 2)], finalError: 0.5, errorText: null, failureKind: null, backend: 'wasm', seconds: 3 });
    assert.ok(existsSync(carried));
    assert.equal(readShard(sub, 1).runs.get(8)!.result!.epochs.length, 2);
  });
});
