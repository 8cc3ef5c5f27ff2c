"""Numbered versions: the next number, and a refused row reported as what it is."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from creditloan.numbering import numbered_create
from matching.models import MatchingSettings


def test_each_new_version_takes_the_next_number(db):
    second = numbered_create(MatchingSettings, created_at=timezone.now())
    third = numbered_create(MatchingSettings, created_at=timezone.now())

    assert (second.number, third.number) == (2, 3)


def test_a_row_a_constraint_refuses_is_not_mistaken_for_a_lost_race(db):
    with pytest.raises(IntegrityError):
        numbered_create(MatchingSettings, weight_approval=-1.0, created_at=timezone.now())

    assert MatchingSettings.objects.count() == 1
