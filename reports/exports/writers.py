"""Writing a dataset as CSV or XLSX, and its data dictionary.

CSV: RFC 4180 with a comma, a header of column keys on line 1, UTF-8 with a byte-order mark. The
mark is what makes Excel read the file as UTF-8 (without it, Excel on a Macedonian or Bulgarian
Windows reads Cyrillic as Windows-1251 and garbles it); LibreOffice and csv readers that decode
``utf-8-sig`` skip it. Numbers are written with a decimal point and no thousands separator, dates
in ISO 8601, an unknown figure as an empty field. The generation time is the ``generated_at``
column of every row, so line 1 stays the header.

XLSX: the data sheet (numbers as numbers, dates as dates), the data dictionary sheet and an About
sheet (project, dataset, language, generation time). Written by openpyxl in write-only mode, row by
row, so a large export needs little memory.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from projects.i18n import localized
from projects.models import Project

from ..models import ExportRequest
from .datasets import CHUNK_SIZE, DATASETS, DATE, DATETIME, DECIMAL, GENERATED_AT, INTEGER, MONEY, PERCENT, Column

CSV, XLSX = ExportRequest.FileFormat.CSV, ExportRequest.FileFormat.XLSX
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NUMBER_FORMATS = {
    INTEGER: "0",
    MONEY: "#,##0.00",
    PERCENT: "0.00",
    DECIMAL: "General",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm:ss",
}
DICTIONARY_HEADER = ["column", "label", "meaning", "unit", "qualifier_column"]

Progress = Callable[[int], None]


def write_export(
    *,
    project: Project,
    dataset_key: str,
    language: str,
    file_format: str,
    user,
    out: BinaryIO,
    progress: Progress | None = None,
) -> int:
    """Write the dataset of ``project`` as the user may see it into ``out``; returns the number of rows.

    ``progress`` is called with the rows written so far after every chunk of rows.
    """
    dataset = DATASETS[dataset_key]
    generated_at = timezone.now().replace(microsecond=0)
    with translation.override(language):
        columns = [GENERATED_AT, *dataset.columns(project, user)]
        rows = ({**row, GENERATED_AT.key: generated_at} for row in dataset.rows(project, user, language))
        rows = _counted(rows, progress)
        if file_format == CSV:
            return _write_csv(
                out, [column.key for column in columns], ([_csv_value(row.get(c.key)) for c in columns] for row in rows)
            )
        about = [
            (gettext("Project"), localized(project, "title", language).text),
            (gettext("Project code"), project.code),
            (gettext("Dataset"), str(dataset.title)),
            (gettext("Language"), str(dict(settings.LANGUAGES)[language])),
            (gettext("Generated at (UTC)"), _naive_utc(generated_at)),
            (
                gettext("Data dictionary"),
                gettext("The sheet “Data dictionary” gives each column's meaning, unit and qualifier."),
            ),
        ]
        return _write_xlsx(out, columns, rows, about)


def write_dictionary(*, project: Project, dataset_key: str, language: str, user, out: BinaryIO) -> None:
    """The data dictionary of a dataset as CSV: one row per column of the data file."""
    dataset = DATASETS[dataset_key]
    with translation.override(language):
        columns = [GENERATED_AT, *dataset.columns(project, user)]
        _write_csv(out, DICTIONARY_HEADER, (_dictionary_row(column) for column in columns))


def _dictionary_row(column: Column) -> list[str]:
    return [column.key, str(column.label), str(column.meaning), str(column.unit), column.qualifier]


def _counted(rows: Iterable[dict], progress: Progress | None) -> Iterable[dict]:
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and done % CHUNK_SIZE == 0:
            progress(done)


def _write_csv(out: BinaryIO, header: list[str], rows: Iterable[list[str]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()  # leaves ``out`` open for the caller
    return count


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _naive_utc(value: datetime.datetime) -> datetime.datetime:
    """Spreadsheets have no time zones: the time in UTC, as the header says."""
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


def _write_xlsx(out: BinaryIO, columns: list[Column], rows: Iterable[dict], about: list[tuple[str, object]]) -> int:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header_cells(sheet, names: list[str]) -> list[WriteOnlyCell]:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        return cells

    data = workbook.create_sheet(gettext("Data")[:31])
    data.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(column.key) + 2))
    data.append(header_cells(data, [column.key for column in columns]))
    count = 0
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column.key)
            if isinstance(value, datetime.datetime):
                value = _naive_utc(value)
            cell = WriteOnlyCell(data, value=value)
            if column.type in NUMBER_FORMATS and value is not None:
                cell.number_format = NUMBER_FORMATS[column.type]
            cells.append(cell)
        data.append(cells)
        count += 1

    dictionary = workbook.create_sheet(gettext("Data dictionary")[:31])
    for index, width in enumerate((24, 30, 80, 40, 24), start=1):
        dictionary.column_dimensions[get_column_letter(index)].width = width
    dictionary.append(header_cells(dictionary, DICTIONARY_HEADER))
    for column in columns:
        dictionary.append(_dictionary_row(column))

    sheet = workbook.create_sheet(gettext("About")[:31])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    for label, value in [*about, (gettext("Rows"), count)]:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.datetime):
            cell.number_format = NUMBER_FORMATS[DATETIME]
        sheet.append([WriteOnlyCell(sheet, value=label), cell])
    workbook.save(out)
    return count
