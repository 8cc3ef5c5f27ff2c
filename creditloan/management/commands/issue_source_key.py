"""Issue a key for a source system to push its records through the API; the key is printed once."""

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from creditloan.models import RecordSource
from creditloan.services import source_key_issue


class Command(BaseCommand):
    help = "Issue an API key for one source system (printed once; only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=RecordSource.values)
        parser.add_argument("--name", default="", help="what the key is for, e.g. the system's name")

    def handle(self, *args, **options):
        try:
            key, raw = source_key_issue(source=options["source"], name=options["name"])
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)
        self.stderr.write(f"key {key.prefix}… for {key.source} issued; it will not be shown again")
