"""scoring.ml is plain Python: every module in it imports without Django, so the ML can be read, tested and
reused on its own."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import scoring.ml

REPO = Path(__file__).resolve().parents[3]
MODULES = sorted(f"scoring.ml.{module.name}" for module in pkgutil.iter_modules(scoring.ml.__path__))


def test_the_package_has_its_modules():
    assert {"scoring.ml.features", "scoring.ml.model", "scoring.ml.scorecard", "scoring.ml.explain"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_a_module_of_scoring_ml_imports_no_django(module):
    check = f"import sys, {module}; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"

    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr or f"{module} imports Django"
