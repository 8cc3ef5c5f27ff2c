from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportBatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed, nothing applied")
    INTERRUPTED = "interrupted", _("Interrupted, nothing applied")


class RecordSource(models.TextChoices):
    """The five kinds of source an import file can come from; the registry must land before the rest."""

    ENTERPRISES = "enterprises", _("Enterprise registry")
    PUBLIC_CREDIT = "public_credit", _("Public credit")
    TAX = "tax", _("Tax")
    CUSTOMS = "customs", _("Customs")
    BANK = "bank", _("Bank-shared")


class ImportBatch(models.Model):
    """One run of the importer: its files are applied in one transaction, so it lands whole or not at all.

    The batch row itself is committed first, so a run that dies still leaves a trace saying it never finished.
    """

    status = models.CharField(max_length=12, choices=ImportBatchStatus.choices, default=ImportBatchStatus.RUNNING)
    origin = models.CharField(_("started from"), max_length=32)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    manifest = models.JSONField(default=list, help_text=_("the files it was asked to import: source, name, size"))

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ImportBatchStatus.RUNNING, finished_at__isnull=True)
                | (~Q(status=ImportBatchStatus.RUNNING) & Q(finished_at__isnull=False)),
                name="importbatch_finished_unless_running",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    def changed_records(self) -> bool:
        """Whether any of its files created or updated a record (a batch of unchanged rows changes no rating)."""
        return self.files.filter(Q(created__gt=0) | Q(updated__gt=0)).exists()


class ImportFile(models.Model):
    """One file of a batch and what became of its rows: accepted = created + updated + unchanged."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    source = models.CharField(max_length=16, choices=RecordSource.choices)
    name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("import file")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    rows=models.F("created") + models.F("updated") + models.F("unchanged") + models.F("rejected")
                ),
                name="importfile_rows_accounted_for",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.name}"

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportRejection(models.Model):
    """A row that was not applied, kept with the reason a person can act on."""

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(_("row"))
    field = models.CharField(max_length=64)
    reason = models.TextField()
    errors = models.JSONField(default=list, help_text=_("every problem found in the row, field by field"))
    raw = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("rejected row")
        ordering = ["file", "row_number"]
        constraints = [models.UniqueConstraint(fields=["file", "row_number"], name="importrejection_one_per_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.field}: {self.reason}"
