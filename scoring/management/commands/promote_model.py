from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from creditloan.flows.champion import model_promote, model_roll_back


class Command(BaseCommand):
    help = "Make a model version the champion, or with --roll-back bring back the previous champion."

    def add_arguments(self, parser):
        parser.add_argument("version", nargs="?", type=int, help="the version number (as in v3: 3)")
        parser.add_argument("--roll-back", action="store_true", help="bring back the previous champion")

    def handle(self, *args, version: int | None, roll_back: bool, **options):
        if (version is None) == (not roll_back):
            raise CommandError("give a VERSION to promote, or --roll-back (not both)")
        try:
            champion = model_roll_back() if roll_back else model_promote(number=version)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"v{champion.number} is the champion")
