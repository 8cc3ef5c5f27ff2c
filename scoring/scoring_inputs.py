"""What every online score shares, kept in a worker's memory: the champion's record and the active policy rules
(the champion's model itself is kept by selectors.loaded_model, under its id and hash).

For each application only the version of their tables is read (one statement, creditloan.row_versions): a model
promoted or rolled back, or a policy rule added, edited or switched off, is in force from the next application
on, whichever way it was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditloan.row_versions import tables_version
from scoring import selectors
from scoring.models import ModelVersion, PolicyRule


@dataclass(frozen=True)
class ScoringInputs:
    """The champion (None while none is promoted) and the active policy rules as they stood at `version`. Shared
    between the applications a process scores: read them, never change them."""

    version: tuple
    champion: ModelVersion | None
    policy_rules: tuple[PolicyRule, ...]


_KEPT: dict[str, ScoringInputs] = {}


def scoring_inputs() -> ScoringInputs:
    """The inputs as they stand now: the ones this process keeps if their tables have not changed since they were
    read (one statement to know), else read afresh (after the version: a change in between shows as a newer
    version next time, never kept under the older one)."""
    version = tables_version(ModelVersion, PolicyRule)
    kept = _KEPT.get("inputs")
    if kept is None or kept.version != version:
        kept = ScoringInputs(
            version=version, champion=selectors.champion(), policy_rules=tuple(selectors.active_policy_rules())
        )
        _KEPT["inputs"] = kept
    return kept


def scoring_inputs_forget() -> None:
    """Drop what this process keeps, as a restart would."""
    _KEPT.clear()
