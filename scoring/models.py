from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scoring.ml.features import CATEGORICAL, FEATURE_NAMES
from scoring.ml.scale import GRADES

# A rule compares a number with a threshold, so it can only be written on a numeric feature.
RULE_FEATURES = tuple(name for name in FEATURE_NAMES if name not in CATEGORICAL)

# 过惩相当: a minor penalty never excludes anybody, so no exclusion rule may be written on one.
NEVER_EXCLUDING_FEATURES = ("penalties_minor_12m", "penalties_minor_36m")


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CHAMPION = "champion", _("Champion")
    RETIRED = "retired", _("Retired")


class ModelVersion(models.Model):
    """A trained model: LightGBM's text model and its JSON manifest, never a pickle."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    model_text = models.TextField(_("LightGBM model (text format)"))
    manifest = models.JSONField(_("manifest"))
    sha256 = models.CharField(_("SHA-256 of the model text"), max_length=64)
    metrics = models.JSONField(_("held-out metrics, model and baseline"), default=dict)
    beats_baseline = models.BooleanField(_("beats the baseline out of time"))
    trained_at = models.DateTimeField(_("trained at"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("trained by")
    )
    promoted_at = models.DateTimeField(_("last promoted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = verbose_name
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=ModelStatus.CHAMPION), name="modelversion_one_champion"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Score(models.Model):
    """A firm's score at a point in time, with the model version that produced it and the reasons."""

    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="scores", verbose_name=_("enterprise")
    )
    application = models.ForeignKey(
        "creditloan.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("application"),
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("model version")
    )
    as_of = models.DateField(_("records as of"))
    probability_of_default = models.FloatField(_("probability of default"))
    points = models.IntegerField(_("points"))
    grade = models.CharField(_("risk grade"), max_length=1)
    features = models.JSONField(_("features"))
    reasons = models.JSONField(_("reasons: raised and lowered the risk"))
    improvements = models.JSONField(_("what would improve the score"), default=list)
    exclusions = models.JSONField(_("policy rules that exclude the firm"), default=list)
    created_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["enterprise", "created_at"], name="score_firm_time"),
            models.Index(fields=["application", "created_at"], name="score_application_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability_of_default__gte=0) & Q(probability_of_default__lte=1), name="score_pd_range"
            ),
            models.CheckConstraint(condition=Q(grade__in=GRADES), name="score_grade_known"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.grade} {self.points}"

    @property
    def eligible(self) -> bool:
        return not self.exclusions


class PolicyOperator(models.TextChoices):
    EQ = "eq", "="
    NE = "ne", "≠"
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class PolicyRule(models.Model):
    """A rule outside the model that makes a firm ineligible, written as data: feature, operator, threshold."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    feature = models.CharField(_("feature"), max_length=64, choices=[(name, name) for name in RULE_FEATURES])
    operator = models.CharField(_("operator"), max_length=3, choices=PolicyOperator.choices)
    threshold = models.FloatField(_("threshold"))
    reason_zh = models.CharField(_("reason (Chinese)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("policy rule")
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=~Q(feature__in=NEVER_EXCLUDING_FEATURES), name="policyrule_not_on_minor_penalties"
            ),
            models.CheckConstraint(condition=Q(feature__in=RULE_FEATURES), name="policyrule_on_a_numeric_feature"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.feature in NEVER_EXCLUDING_FEATURES:
            raise ValidationError(
                {"feature": _("a minor penalty never excludes anybody (过惩相当); choose another feature")}
            )
        if self.feature and self.feature not in RULE_FEATURES:
            raise ValidationError(
                {"feature": _("%(name)s is not a numeric feature a threshold applies to") % {"name": self.feature}}
            )


class Rating(models.Model):
    """Every firm's current standing under a model version, refreshed in bulk when the champion changes or
    records arrive: what screening, ranking and the score distribution read. The reasons behind a rating are
    worked out when a person asks (a Score)."""

    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.CASCADE, related_name="ratings", verbose_name=_("enterprise")
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("model version")
    )
    as_of = models.DateField(_("records as of"))
    probability_of_default = models.FloatField(_("probability of default"))
    points = models.IntegerField(_("points"))
    grade = models.CharField(_("risk grade"), max_length=1)
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["model_version", "enterprise"], name="rating_one_per_firm_and_model"),
            models.CheckConstraint(condition=Q(grade__in=GRADES), name="rating_grade_known"),
            models.CheckConstraint(
                condition=Q(probability_of_default__gte=0) & Q(probability_of_default__lte=1),
                name="rating_pd_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.grade} {self.points} (v{self.model_version_id})"


class TrainingRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TrainingRun(models.Model):
    """A training started from the operators' page, run by a worker: its steps as they happen, and what came
    of it, so that the page can show progress."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TrainingRunStatus.choices, default=TrainingRunStatus.QUEUED
    )
    step = models.PositiveSmallIntegerField(_("steps done"), default=0)
    step_text = models.CharField(_("the step under way"), max_length=200, blank=True)
    message = models.TextField(_("the outcome"), blank=True)
    version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("version trained"),
    )
    queued_at = models.DateTimeField(_("queued at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"training run #{self.pk} ({self.status})"
