import json

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from matching.selectors import latest_approval_model
from matching.services import approval_model_train


class Command(BaseCommand):
    help = (
        "Learn each bank's appetite from its past approvals and declines (the ranking's approval term), judged "
        "on the latest fifth of the decisions, then refitted on all of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the version and metrics as JSON")
        parser.add_argument("--if-none", action="store_true", help="do nothing if an approval model exists (setup)")

    def handle(self, *args, as_json: bool, if_none: bool, **options):
        if if_none and (existing := latest_approval_model()) is not None:
            self.stdout.write(f"approval model v{existing.number} exists; nothing trained")
            return
        try:
            version = approval_model_train()
        except DomainError as error:
            raise CommandError(error.message) from None
        if as_json:
            self.stdout.write(json.dumps({"version": version.number, **version.metrics}, ensure_ascii=False))
            return
        metrics = version.metrics
        held_out = (
            f"held out {metrics['held_out']:,} decisions from {metrics['held_out_from']}: "
            f"AUC {metrics['auc']:.3f}, KS {metrics['ks']:.3f}"
            if metrics
            else "too few decisions of each kind to hold any out"
        )
        self.stdout.write(f"approval model v{version.number}; {held_out}")
