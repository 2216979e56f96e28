// Tests of src/sweep/fidelity-spec.ts: the fidelity section's kinds, defaults, rungs and messages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetspaceError } from '../../src/errors.ts';
import {
  FIDELITY_DEFAULTS,
  fidelityEpochs,
  fidelityRungs,
  parseFidelitySpec,
  rungEpochs,
  scheduledTrainEpochs,
  storedFidelity,
  type AshaFidelity,
} from '../../src/sweep/fidelity-spec.ts';

function rejects(value: unknown, message: string): void {
  assert.throws(() => parseFidelitySpec(value, 'demo.yaml', 5), (e: unknown) => {
    assert.ok(e instanceof NetspaceError, `expected a NetspaceError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const asha = (fields: Partial<AshaFidelity>): AshaFidelity => ({ kind: 'asha', minEpochs: 1, maxEpochs: 9, reductionFactor: 3, brackets: 1, ...fields });

describe('sweep/fidelity-spec', () => {
  it('reads ASHA with its default of one bracket', () => {
    assert.deepEqual(parseFidelitySpec({ kind: 'asha', minEpochs: 1, maxEpochs: 9, reductionFactor: 3 }, 'demo.yaml', 5), asha({}));
    assert.equal(FIDELITY_DEFAULTS.brackets, 1);
    assert.ok(Object.isFrozen(FIDELITY_DEFAULTS));
    assert.deepEqual(parseFidelitySpec({ kind: 'asha', minEpochs: 1, maxEpochs: 27, reductionFactor: 3, brackets: 3 }, 'x', 0), asha({ maxEpochs: 27, brackets: 3 }));
  });

  it('reads the check with a fraction or a number per space, seeded by the sweep unless it says otherwise', () => {
    assert.deepEqual(parseFidelitySpec({ kind: 'check', low: 2, full: 8, fraction: 0.25 }, 'demo.yaml', 5), {
      kind: 'check',
      low: 2,
      full: 8,
      subset: { kind: 'fraction', fraction: 0.25 },
      seed: 5,
    });
    assert.deepEqual(parseFidelitySpec({ kind: 'check', low: 1, full: 3, perSpace: 10, seed: 7 }, 'demo.yaml', 5), {
      kind: 'check',
      low: 1,
      full: 3,
      subset: { kind: 'count', count: 10 },
      seed: 7,
    });
  });

  it('puts rungs at minEpochs * eta^k below maxEpochs, brackets starting one rung higher each', () => {
    assert.deepEqual(rungEpochs(asha({})), [1, 3]);
    assert.deepEqual(rungEpochs(asha({ maxEpochs: 8 })), [1, 3]);
    assert.deepEqual(rungEpochs(asha({ maxEpochs: 10 })), [1, 3, 9]);
    assert.deepEqual(rungEpochs(asha({ minEpochs: 2, maxEpochs: 16, reductionFactor: 2 })), [2, 4, 8]);
    assert.deepEqual(rungEpochs(asha({ maxEpochs: 27 }), 1), [3, 9]);
    assert.deepEqual(rungEpochs(asha({ maxEpochs: 27 }), 2), [9]);
    assert.equal(fidelityEpochs(asha({})), 9);
    assert.equal(fidelityEpochs({ kind: 'check', low: 2, full: 8, subset: { kind: 'count', count: 1 }, seed: 0 }), 8);
  });

  it('names the path and the bad value in every message', () => {
    rejects(3, 'demo.yaml: fidelity must be an object such as {kind: asha, minEpochs: 1, maxEpochs: 9, reductionFactor: 3} or {kind: check, low: 2, full: 8, fraction: 0.25}, got 3');
    rejects({ minEpochs: 1 }, 'demo.yaml: fidelity.kind is missing: give one of asha, check');
    rejects({ kind: 'ashaa' }, 'demo.yaml: fidelity.kind must be one of asha, check, got "ashaa" (did you mean "asha"?)');
    rejects(
      { kind: 'asha', minEpochs: 1, maxEpochs: 9, eta: 3 },
      'demo.yaml: fidelity.eta is not a known key; expected one of: kind, minEpochs, maxEpochs, reductionFactor, brackets',
    );
    rejects({ kind: 'asha', minEpochs: 0, maxEpochs: 9, reductionFactor: 3 }, 'demo.yaml: fidelity.minEpochs must be a whole number from 1 to 10000, got 0');
    rejects({ kind: 'asha', minEpochs: 3, maxEpochs: 3, reductionFactor: 3 }, 'demo.yaml: fidelity.maxEpochs must be above minEpochs (3), got 3');
    rejects({ kind: 'asha', minEpochs: 1, maxEpochs: 9, reductionFactor: 1.5 }, 'demo.yaml: fidelity.reductionFactor must be a whole number from 2 to 1000, got 1.5');
    rejects(
      { kind: 'asha', minEpochs: 1, maxEpochs: 9, reductionFactor: 3, brackets: 3 },
      'demo.yaml: fidelity.brackets is 3, but these epochs give only 2 rungs (at 1, 3 epochs) for a bracket to start at',
    );
    rejects({ kind: 'check', low: 2, full: 2, fraction: 0.5 }, 'demo.yaml: fidelity.full must be above low (2), got 2');
    rejects(
      { kind: 'check', low: 2, full: 8 },
      'demo.yaml: fidelity must give exactly one of "fraction" (a share of each space\'s runs) or "perSpace" (a number of runs per space) to continue to full fidelity',
    );
    rejects(
      { kind: 'check', low: 2, full: 8, fraction: 0.5, perSpace: 3 },
      'demo.yaml: fidelity must give exactly one of "fraction" (a share of each space\'s runs) or "perSpace" (a number of runs per space) to continue to full fidelity',
    );
    rejects({ kind: 'check', low: 2, full: 8, fraction: 0 }, "demo.yaml: fidelity.fraction must be a number above 0 and at most 1 (a share of each space's runs), got 0");
    rejects({ kind: 'check', low: 2, full: 8, perSpace: 2.5 }, 'demo.yaml: fidelity.perSpace must be a whole number from 1 to 100000, got 2.5');
    rejects({ kind: 'check', low: 2, full: 8, perSpace: 2, seed: -1 }, 'demo.yaml: fidelity.seed must be a whole number from 0 to 4294967295, got -1');
    rejects({ kind: 'check', low: 2, full: 8, perSpace: 2, minEpochs: 1 }, 'demo.yaml: fidelity.minEpochs is not a known key; expected one of: kind, low, full, fraction, perSpace, seed');
  });

  it('sets train.epochs to the top fidelity and refuses a contradicting one', () => {
    assert.equal(scheduledTrainEpochs(asha({}), undefined, 'demo.yaml'), 9);
    assert.equal(scheduledTrainEpochs(asha({}), 9, 'demo.yaml'), 9);
    assert.throws(
      () => scheduledTrainEpochs(asha({}), 10, 'demo.yaml'),
      (e: unknown) => e instanceof NetspaceError && e.message === 'demo.yaml: train.epochs is 10, but the fidelity schedule trains runs up to 9 epochs; leave train.epochs out or make it 9',
    );
  });

  it('lists the epochs a schedule compares at, over every bracket', () => {
    assert.deepEqual(fidelityRungs(asha({})), [1, 3, 9]);
    assert.deepEqual(fidelityRungs(asha({ maxEpochs: 27, brackets: 2 })), [1, 3, 9, 27]);
    assert.deepEqual(fidelityRungs({ kind: 'check', low: 2, full: 8, subset: { kind: 'count', count: 1 }, seed: 0 }), [2, 8]);
  });

  it('reads the schedule back from a stored sweep spec, and nothing from one without', () => {
    const check = parseFidelitySpec({ kind: 'check', low: 2, full: 8, fraction: 0.5 }, 'x', 1);
    assert.deepEqual(storedFidelity(JSON.parse(JSON.stringify({ name: 's', fidelity: check }))), check);
    assert.deepEqual(storedFidelity({ fidelity: asha({}) }), asha({}));
    assert.equal(storedFidelity({ name: 'old sweep' }), null);
    assert.equal(storedFidelity(null), null);
    assert.equal(storedFidelity({ fidelity: { kind: 'check', low: 2, full: 8, fraction: 0.5 } }), null, 'an unparsed section is not a stored one');
    assert.equal(storedFidelity({ fidelity: { kind: 'hyperband' } }), null);
  });
});
