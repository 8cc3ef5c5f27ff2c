"""Two promotions at the same moment, many times over: one champion each time, and no database error."""

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from scoring.ml.model import RiskModel
from scoring.models import ModelStatus, ModelVersion
from scoring.services import model_promote
from tests.concurrency import at_once


def small_model_files() -> tuple[str, dict]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"overdue": rng.integers(0, 90, 600).astype(float), "age": rng.uniform(0, 20, 600)})
    y = (rng.random(600) < 1 / (1 + np.exp(3 - X["overdue"] / 30))).astype(int)
    return RiskModel(max_rounds=20).fit(X, y).to_files()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_promotions_at_once_leave_exactly_one_champion():
    text, manifest = small_model_files()
    for number in (1, 2, 3):
        ModelVersion.objects.create(
            number=number,
            model_text=text,
            manifest=manifest,
            sha256=manifest["model_sha256"],
            beats_baseline=True,
            trained_at=timezone.now(),
        )
    errors = []

    def promote(number: int) -> None:
        try:
            model_promote(number=number)
        except Exception as error:  # noqa: BLE001 - any error is what this test is looking for
            errors.append(error)

    for _ in range(10):
        # v1 is the champion; v2 and v3 are promoted at the same moment.
        ModelVersion.objects.update(status=ModelStatus.CANDIDATE)
        ModelVersion.objects.filter(number=1).update(status=ModelStatus.CHAMPION)
        at_once([lambda: promote(2), lambda: promote(3)])

        assert ModelVersion.objects.filter(status=ModelStatus.CHAMPION).count() == 1

    assert errors == []
