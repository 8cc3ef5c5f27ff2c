"""A terminal progress bar for long imports (tqdm), fed by the import service's progress callback."""

from __future__ import annotations

from tqdm import tqdm

from creditloan.ingestion.services import Progress


class TerminalProgress:
    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._name: str | None = None

    def __call__(self, progress: Progress) -> None:
        if progress.name != self._name:
            self.close()
            self._name = progress.name
            self._bar = tqdm(
                total=progress.bytes_total,
                unit="B",
                unit_scale=True,
                desc=f"{progress.source} {progress.name}",
                leave=True,
            )
        self._bar.update(progress.bytes_done - self._bar.n)
        self._bar.set_postfix(rows=f"{progress.rows_done:,}", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
