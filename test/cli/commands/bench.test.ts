import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertUserError, netspace } from '../netspace.ts';

describe('cli/commands/bench', () => {
  it('prints backend, resolution, batch and images per second as JSON', async () => {
    const r = await netspace(['bench', '--resolution', '16', '--batch', '4', '--steps', '1', '--backend', 'wasm', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['backend', 'resolution', 'batch', 'imagesPerSecond']);
    assert.equal(out.backend, 'wasm');
    assert.equal(out.resolution, 16);
    assert.equal(out.batch, 4);
    assert.ok(typeof out.imagesPerSecond === 'number' && out.imagesPerSecond > 0);
  });

  it('prints a readable line without --json', async () => {
    const r = await netspace(['bench', '--resolution', '16', '--batch', '2', '--steps', '1', '--backend', 'cpu', '--micro-batch', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cpu: RegNet32 16x16, batch 2: [\d.]+ images\/s \([\d.]+ ms\/step/);
  });

  it('names the option and the value it rejects', async () => {
    assertUserError(await netspace(['bench', '--resolution', '0', '--json']), /--resolution must be a whole number from 8 to 1,024, got 0/);
    assertUserError(await netspace(['bench', '--batch', '2.5']), /--batch must be a whole number from 1 to 65,536, got 2.5/);
    assertUserError(await netspace(['bench', '--backend', 'gpu']), /--backend gpu is not one of: auto, tensorflow, wasm, cpu/);
    assertUserError(await netspace(['bench', '--micro-batch', '-3']), /--micro-batch must be a whole number from 1 to 65,536, got -3/);
    assertUserError(await netspace(['bench', '--resolution', '8', '--batch', '2', '--micro-batch', '1', '--backend', 'cpu']), /batch norm stage2\.block0\.bn2 got a single value per channel in training/);
  });
});
