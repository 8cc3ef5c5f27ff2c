import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from creditloan.values import ValueRefused, read_date
from matching.replay import ReplayReport, read_json, replay


def day(text: str) -> dt.date:
    try:
        return read_date(text)
    except ValueRefused as refusal:
        raise CommandError(refusal.message) from None


class Command(BaseCommand):
    help = (
        "Replay past applications against changed ranking weights or product rules and report how offers "
        "would change per bank and product. Changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=day, required=True, help="first submission day replayed (YYYY-MM-DD)")
        parser.add_argument("--until", type=day, help="last submission day replayed (default: the latest)")
        parser.add_argument(
            "--weights",
            type=Path,
            help='JSON object with any of approval, price, fit, response, top_k, e.g. {"price": 0.4}',
        )
        parser.add_argument(
            "--product-changes",
            type=Path,
            help='JSON list, one entry per product: {"product": CODE, field: value, ...}; "active": false pauses '
            'it; a new CODE with "bank" adds a product',
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args, since, until, weights, product_changes, as_json, **options):
        try:
            report = replay(
                since=since,
                until=until,
                weight_changes=read_json(weights, "weights file") if weights else None,
                product_changes=read_json(product_changes, "product changes file") if product_changes else None,
                source={"weights": f"weights file {weights}", "products": f"product changes file {product_changes}"},
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        data = report.to_dict()
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_text(report, data))


def _text(report: ReplayReport, data: dict) -> str:
    def share(pair: dict) -> str:
        return " → ".join("—" if value is None else f"{value:.1%}" for value in (pair["current"], pair["changed"]))

    def estimate(value) -> str:
        return "—" if value is None else f"{value:.2f}"

    period = f"{data['since']} to {data['until'] or 'the latest'}"
    lines = [
        f"Replayed {data['applications']:,} applications submitted {period}: current settings → with the changes.",
        "Offers as routing makes them (top K within each bank's monthly capacity); declines and lapses not replayed.",
        f"  at least one eligible product: {share(data['eligible_share'])}",
        f"  at least one offer:            {share(data['offered_share'])}",
        f"  applications offered other products: {data['applications_with_other_offers']:,}",
        "",
        f"{'bank':<12} {'offers':>15} {'approval est.':>15} {'eligible':>15} {'busiest month / capacity':>26}",
    ]
    for row in data["banks"]:
        now, then, busiest = row["current"], row["changed"], row["busiest_month"]
        lines.append(
            f"{row['bank']:<12} {now['offers']:>7,} → {then['offers']:<6,}"
            f" {estimate(now['approval_estimate']):>6} → {estimate(then['approval_estimate']):<6}"
            f" {share({'current': now['eligible_share'], 'changed': then['eligible_share']}):>15}"
            f" {busiest['current']:>7,} → {busiest['changed']:<6,} / {row['monthly_capacity']:,}"
        )
    lines += ["", f"{'product':<24} {'bank':<12} {'offers':>15} {'approval est.':>15}"]
    for row in data["products"]:
        now, then = row["current"], row["changed"]
        lines.append(
            f"{row['product']:<24} {row['bank']:<12} {now['offers']:>7,} → {then['offers']:<6,}"
            f" {estimate(now['approval_estimate']):>6} → {estimate(then['approval_estimate']):<6}"
        )
    return "\n".join(lines)
