import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from creditloan.errors import DomainError
from creditloan.flows.champion import model_train
from scoring import selectors
from scoring.ml.tabular import TableError, table_evaluate


class Command(BaseCommand):
    help = (
        "Train the risk model on past loans with known outcomes, judge it out of time against a WOE scorecard, "
        "register it, and promote it if it wins. With --csv, train and evaluate on any labelled table instead "
        "(nothing is registered)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the metrics as JSON")
        parser.add_argument(
            "--if-no-champion", action="store_true", help="do nothing if a model is already the champion (setup)"
        )
        parser.add_argument("--csv", type=Path, help="a labelled table to train and evaluate on")
        parser.add_argument("--target", help="with --csv: the column holding the outcome")
        parser.add_argument("--positive", help="with --csv: the label of the bad outcome, if not 0/1")
        parser.add_argument("--cv", type=int, help="with --csv: stratified K-fold cross-validation")

    def handle(self, *args, as_json: bool, csv: Path | None, target, positive, cv, if_no_champion: bool, **options):
        if csv is None and (target or positive or cv):
            raise CommandError("--target, --positive and --cv go with --csv")
        if if_no_champion and csv is None and (champion := selectors.champion()) is not None:
            self.stdout.write(f"v{champion.number} is already the champion; nothing trained")
            return
        show_progress = not as_json and sys.stderr.isatty() and options["verbosity"] > 0
        if csv is not None:
            self._table(csv, target, positive, cv, as_json, show_progress)
            return
        with tqdm(total=5, desc="training", disable=not show_progress, leave=True) as bar:

            def on_step(step) -> None:
                bar.set_postfix_str(str(step), refresh=False)
                bar.update(1)

            try:
                outcome = model_train(on_step=on_step)
            except DomainError as error:
                raise CommandError(error.message) from None
        metrics = outcome.version.metrics
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"version": outcome.version.number, "promoted": outcome.promoted, **metrics}, ensure_ascii=False
                )
            )
            return
        split = metrics["split"]
        self.stdout.write(
            f"trained on {split['train_rows']:,} loans ({split['train_defaults']} defaulted) from "
            f"{split['train_from']} to {split['train_to']}; held out {split['test_rows']:,} "
            f"({split['test_defaults']} defaulted) from {split['test_from']} to {split['test_to']}"
        )
        self._metrics_table(metrics["lightgbm"], metrics["baseline"])
        self.stdout.write(outcome.message)

    def _table(self, path: Path, target, positive, cv, as_json: bool, show_progress: bool) -> None:
        if not target:
            raise CommandError("--csv needs --target COLUMN: the column holding the outcome")
        try:
            report = table_evaluate(path=path, target=target, positive=positive, folds=cv)
        except TableError as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(
            f"{report['rows']:,} rows, {report['positives']:,} positive ({report['positive_label']}); "
            f"{len(report['features'])} features ({len(report['categorical'])} categorical); {report['method']}"
        )
        self._metrics_table(report["lightgbm"], report["baseline"])

    def _metrics_table(self, model: dict, baseline: dict) -> None:
        self.stdout.write(f"\n{'':<10}{'LightGBM':>10}{'scorecard':>11}")
        for name in ("auc", "ks", "gini", "brier"):
            if name in model:
                self.stdout.write(f"{name.upper():<10}{model[name]:>10.4f}{baseline[name]:>11.4f}")
        if model.get("calibration"):
            self.stdout.write("\ncalibration (LightGBM, held out): predicted vs observed default rate per bin")
            for row in model["calibration"]:
                self.stdout.write(
                    f"  bin {row['bin']:>2}  {row['count']:>7,} loans  predicted {row['mean_predicted']:7.2%}"
                    f"  observed {row['observed_rate']:7.2%}"
                )
