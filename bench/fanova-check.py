#!/usr/bin/env python3
"""Side-by-side check of netspace's fANOVA against Optuna's own, on the runs of a real sweep.

netspace exports the sweep (`netspace sweep export <sweep> --json`: every run with its flat parameters and final error)
and prints its importances with each space's parameter domains (`netspace importance <sweep> --json`). This script
loads each space's finished runs into an Optuna study as trials with the same distributions (domain -> Int/Float/
CategoricalDistribution), runs optuna.importance.FanovaImportanceEvaluator on them, and compares the two rankings of
the parameters that vary with Spearman's rank correlation:

- "linear": netspace with --scale linear, which measures every parameter on its own scale as Optuna does
  (transform_log=False): the like-for-like check of the implementation;
- "log": netspace's default, which measures log-sampled parameters on a log scale (as the original fANOVA does).

Both forests differ in their random draws (scikit-learn's bootstrap vs netspace's), so the check averages Optuna over
--optuna-seeds seeds. It is a check to run by hand, not a CI dependency:

    python3 -m venv /tmp/fanova-venv && /tmp/fanova-venv/bin/pip install optuna scikit-learn scipy
    /tmp/fanova-venv/bin/python bench/fanova-check.py anynet-a-to-e --db study.db
"""
import argparse
import json
import math
import os
import subprocess
import sys
import warnings

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator
from scipy.stats import spearmanr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def netspace(*args):
    """Runs the checkout's CLI and returns its JSON output."""
    out = subprocess.run(['node', os.path.join(ROOT, 'bin', 'netspace.js'), *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def distribution(domain):
    """The Optuna distribution of a netspace parameter domain (Optuna has no log scale with a step: the step goes)."""
    if domain['kind'] == 'categorical':
        return CategoricalDistribution(domain['choices'])
    low, high, log, quantum = domain['low'], domain['high'], domain['log'], domain['quantum']
    if domain['kind'] == 'int':
        step = 1 if log or quantum is None else int(quantum)
        return IntDistribution(int(low), int(high), log=log and low < high, step=step)
    return FloatDistribution(low, high, log=log and low < high, step=None if log or quantum is None or low == high else quantum)


def optuna_importance(trials, distributions, seeds, trees):
    """Optuna's fANOVA (unnormalised fractions of variance) averaged over seeds."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings('ignore', category=optuna.exceptions.ExperimentalWarning)
    study = optuna.create_study()
    study.add_trials([optuna.trial.create_trial(params=p, distributions=distributions, value=v) for p, v in trials])
    total = {name: 0.0 for name in distributions}
    for seed in range(seeds):
        got = optuna.importance.get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=trees, seed=seed), normalize=False)
        for name, value in got.items():
            total[name] += value / seeds
    return total


def spearman(a, b, names):
    rho = spearmanr([a[n] for n in names], [b[n] for n in names]).statistic
    return float('nan') if rho is None or (isinstance(rho, float) and math.isnan(rho)) else float(rho)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('sweep')
    parser.add_argument('--db', default='netspace.db')
    parser.add_argument('--trees', type=int, default=64)
    parser.add_argument('--optuna-seeds', type=int, default=5)
    parser.add_argument('--json', action='store_true', help='print the comparison as JSON')
    args = parser.parse_args()

    rows = netspace('sweep', 'export', args.sweep, '--db', args.db, '--json')
    ours = {scale: netspace('importance', args.sweep, '--db', args.db, '--json', '--scale', scale, '--trees', str(args.trees))
            for scale in ('linear', 'log')}
    results = []
    for space in ours['linear']['spaces']:
        if space['importance'] is None:
            results.append({'space': space['space'], 'runs': space['n'], 'skipped': 'no importance (too few runs or no parameters)'})
            continue
        domains = space['domains']
        names = [d['name'] for d in domains]
        distributions = {d['name']: distribution(d) for d in domains}
        trials = [({n: r['parameters'][n] for n in names}, r['finalError'])
                  for r in rows
                  if r['space'] == space['space'] and r['status'] == 'done' and r['finalError'] is not None
                  and all(n in r['parameters'] for n in names)]
        theirs = optuna_importance(trials, distributions, args.optuna_seeds, args.trees)
        varying = [d['name'] for d in domains if not distributions[d['name']].single()]
        by_scale = {}
        for scale in ('linear', 'log'):
            own = next(s for s in ours[scale]['spaces'] if s['space'] == space['space'])
            mine = {p['name']: p['importance'] for p in own['importance']['parameters']}
            by_scale[scale] = {'spearman': spearman(mine, theirs, varying), 'netspace': {n: mine[n] for n in varying}}
        results.append({
            'space': space['space'],
            'runs': len(trials),
            'parameters': len(varying),
            'spearman_linear': by_scale['linear']['spearman'],
            'spearman_log': by_scale['log']['spearman'],
            'optuna': {n: theirs[n] for n in varying},
            'netspace_linear': by_scale['linear']['netspace'],
            'netspace_log': by_scale['log']['netspace'],
        })
    if args.json:
        print(json.dumps({'sweep': args.sweep, 'trees': args.trees, 'optuna_seeds': args.optuna_seeds, 'spaces': results}, indent=2))
        return
    top = lambda shares: ' '.join(f'{n} {v:.2f}' for n, v in sorted(shares.items(), key=lambda kv: -kv[1])[:3])
    print(f'sweep {args.sweep}: netspace fANOVA vs Optuna {optuna.__version__} FanovaImportanceEvaluator '
          f'({args.trees} trees, Optuna averaged over {args.optuna_seeds} seeds)')
    print(f'{"space":<12} {"runs":>4} {"params":>6} {"rho linear":>10} {"rho log":>8}  top 3 (Optuna | netspace linear)')
    for r in results:
        if 'skipped' in r:
            print(f'{r["space"]:<12} {r["runs"]:>4}  {r["skipped"]}')
            continue
        print(f'{r["space"]:<12} {r["runs"]:>4} {r["parameters"]:>6} {r["spearman_linear"]:>10.3f} {r["spearman_log"]:>8.3f}  '
              f'{top(r["optuna"])} | {top(r["netspace_linear"])}')


if __name__ == '__main__':
    sys.exit(main())
