"""Where export lines go: one file per entity kind, written as they come (memory flat in the volume).

* NDJSON (``<entity>.ndjson.gz``): one form per line, exactly the feed's ``data``.
* CSV (``<entity>.csv.gz``): ``;``-separated, UTF-8; the form's keys are the columns, nested lists
  (codes, contacts, lieux…) are JSON in their cell.
* XLSX (``directory.xlsx``): one sheet per entity kind, same cells as the CSV (openpyxl's write-only
  mode streams rows to disk).
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import IO, Any, Protocol

FORMATS = ("ndjson", "csv", "xlsx")


def cell(value: Any) -> Any:
    """A flat cell: lists and objects as compact JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, list | dict) else value


class Sink(Protocol):
    def __init__(self, directory: Path) -> None: ...
    def start(self, entity: str) -> None: ...
    def write(self, form: dict[str, Any]) -> None: ...
    def finish(self) -> list[str]: ...  # names of the files written


class NdjsonSink:
    handle: IO[str] | None = None

    def __init__(self, directory: Path) -> None:
        self.directory, self.names = directory, list[str]()

    def _open(self, name: str) -> IO[str]:
        """A gzip text file that stays open across ``write`` calls until the next ``start`` or ``finish``."""
        self._close()
        self.names.append(name)
        return gzip.open(self.directory / name, "wt", encoding="utf-8", newline="", compresslevel=5)

    def start(self, entity: str) -> None:
        self.handle = self._open(f"{entity}.ndjson.gz")

    def write(self, form: dict[str, Any]) -> None:
        assert self.handle is not None
        self.handle.write(json.dumps(form, ensure_ascii=False, separators=(",", ":")) + "\n")

    def _close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def finish(self) -> list[str]:
        self._close()
        return self.names


class CsvSink(NdjsonSink):
    writer: Any = None

    def start(self, entity: str) -> None:
        self.handle, self.writer = self._open(f"{entity}.csv.gz"), None

    def write(self, form: dict[str, Any]) -> None:
        assert self.handle is not None
        if self.writer is None:
            self.writer = csv.DictWriter(self.handle, fieldnames=list(form), delimiter=";", extrasaction="ignore")
            self.writer.writeheader()
        self.writer.writerow({key: cell(value) for key, value in form.items()})


class XlsxSink:
    def __init__(self, directory: Path) -> None:
        from openpyxl import Workbook

        self.path = directory / "directory.xlsx"
        self.book, self.sheet, self.header = Workbook(write_only=True), None, False

    def start(self, entity: str) -> None:
        self.sheet, self.header = self.book.create_sheet(entity[:31]), False

    def write(self, form: dict[str, Any]) -> None:
        assert self.sheet is not None
        if not self.header:
            self.sheet.append(list(form))
            self.header = True
        self.sheet.append([cell(value) for value in form.values()])

    def finish(self) -> list[str]:
        self.book.save(self.path)
        return [self.path.name]


def sink_for(fmt: str, directory: Path) -> Sink:
    """The sink of format ``fmt`` writing into ``directory`` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    sinks: dict[str, type[Sink]] = {"ndjson": NdjsonSink, "csv": CsvSink, "xlsx": XlsxSink}
    return sinks[fmt](directory)


def write_manifest(directory: Path, name: str, content: dict[str, Any]) -> None:
    (directory / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
