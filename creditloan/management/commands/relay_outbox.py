from django.core.management.base import BaseCommand
from django.utils import timezone

from creditloan.models import OutboxMessage
from creditloan.outbox import outbox_relay, outbox_retry


class Command(BaseCommand):
    help = (
        "Send again the tasks that committed writes set going and that have not run (the transactional outbox). "
        "Beat does this every OUTBOX_RELAY_SECONDS; run it by hand once the broker is back to catch up at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="every waiting task now, those still within their grace period and those set aside included",
        )

    def handle(self, *args, all: bool, **options):
        if all:
            outbox_retry(message_ids=list(OutboxMessage.objects.values_list("pk", flat=True)))
        sent = 0
        # A batch at a time, until nothing due is left or the broker refuses one.
        while batch := outbox_relay(now=timezone.now()):
            sent += batch
        waiting = OutboxMessage.objects.filter(gave_up_at__isnull=True).count()
        aside = OutboxMessage.objects.filter(gave_up_at__isnull=False).count()
        self.stdout.write(f"sent {sent} tasks again; {waiting} still waiting, {aside} set aside")
