# The scipy values that test/analysis/rank.test.ts pins (SCIPY_FIXTURES): run `python3 test/analysis/rank-fixtures.py`
# and paste its output there when a case is added. scipy.stats.spearmanr ranks ties by their average;
# scipy.stats.kendalltau's default is tau-b.
import json

import scipy
from scipy.stats import kendalltau, spearmanr

CASES = {
    "no ties": ([0.31, 0.12, 0.45, 0.27, 0.18, 0.52, 0.09], [0.22, 0.15, 0.41, 0.30, 0.11, 0.40, 0.10]),
    "ties in x": ([1, 2, 2, 3, 4, 4, 4, 5], [2.0, 1.0, 3.0, 5.0, 4.0, 6.0, 5.5, 7.0]),
    "ties in both": ([0.1, 0.2, 0.2, 0.3, 0.3, 0.4], [0.5, 0.5, 0.6, 0.6, 0.7, 0.5]),
    "reversed with a tie": ([1, 2, 3, 4, 5], [5, 4, 3, 3, 1]),
    "errors at 2 and 8 epochs": (
        [0.182, 0.201, 0.175, 0.240, 0.199, 0.188, 0.260, 0.175, 0.221, 0.193, 0.305, 0.187],
        [0.121, 0.140, 0.119, 0.160, 0.128, 0.131, 0.171, 0.122, 0.150, 0.140, 0.199, 0.126],
    ),
}

out = {"scipy": scipy.__version__, "cases": {}}
for name, (x, y) in CASES.items():
    out["cases"][name] = {
        "x": x,
        "y": y,
        "spearman": float(spearmanr(x, y).statistic),
        "kendall": float(kendalltau(x, y).statistic),
    }
print(json.dumps(out, indent=2))
