"""What training and scoring say when the platform is not ready for them."""

import pytest
from django.core.management import CommandError, call_command

from creditloan.errors import DomainError, ErrorCode
from scoring.services import enterprise_score


def test_training_without_history_says_what_is_missing(db):
    with pytest.raises(CommandError, match="not enough history to train: 0 loans"):
        call_command("train_model")


def test_scoring_without_a_champion_says_how_to_get_one(db):
    with pytest.raises(DomainError) as error:
        enterprise_score(enterprise_id=1)
    assert error.value.code == ErrorCode.NO_CHAMPION
