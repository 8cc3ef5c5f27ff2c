from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from creditloan.admin import AuditTrailMixin, LooksLoggedAdmin, ModelAdmin
from scoring.models import ModelVersion, PolicyRule, Rating, Score, TrainingRun


@admin.register(ModelVersion)
class ModelVersionAdmin(AuditTrailMixin, ModelAdmin):
    """Read-only: versions come from `train_model`, and change status through promote / roll back."""

    list_display = ("number", "status", "beats_baseline", "held_out_auc", "baseline_auc", "trained_at", "promoted_at")
    list_filter = ("status", "beats_baseline")
    exclude = ("model_text",)

    @admin.display(description=_("AUC (held out)"))
    def held_out_auc(self, version: ModelVersion) -> str:
        return f"{version.metrics.get('lightgbm', {}).get('auc', float('nan')):.3f}"

    @admin.display(description=_("scorecard AUC"))
    def baseline_auc(self, version: ModelVersion) -> str:
        return f"{version.metrics.get('baseline', {}).get('auc', float('nan')):.3f}"


@admin.register(Score)
class ScoreAdmin(LooksLoggedAdmin, AuditTrailMixin, ModelAdmin):
    looked_at = "score"
    list_display = ("enterprise", "application", "grade", "points", "probability_of_default", "model_version", "as_of")
    list_filter = ("grade", "model_version")
    list_select_related = ("enterprise", "application", "model_version")
    raw_id_fields = ("enterprise", "application")
    search_fields = ("enterprise__uscc", "enterprise__name")


@admin.register(PolicyRule)
class PolicyRuleAdmin(ModelAdmin):
    list_display = ("code", "name", "feature", "operator", "threshold", "active")
    list_filter = ("active",)


@admin.register(Rating)
class RatingAdmin(LooksLoggedAdmin, AuditTrailMixin, ModelAdmin):
    looked_at = "score"
    """Read-only: ratings are refreshed in bulk by the re-rating tasks."""

    list_display = ("enterprise", "model_version", "grade", "points", "probability_of_default", "as_of", "rated_at")
    list_filter = ("grade", "model_version")
    list_select_related = ("enterprise", "model_version")
    search_fields = ("enterprise__uscc", "enterprise__name")


@admin.register(TrainingRun)
class TrainingRunAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("id", "status", "step", "queued_at", "finished_at", "version", "started_by")
    list_filter = ("status",)
