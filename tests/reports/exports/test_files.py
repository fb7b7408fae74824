"""The files themselves, read back: CSV with the csv module, XLSX with openpyxl, both through LibreOffice.

Figures are checked against the selectors the pages and PDFs use, on the seed projects and on
sessions with breakdowns, grants and funding made for the test.
"""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from forums.selectors import project_participation
from projects.demo import PRESTIGE_HASKOVO, RESEN_BITOLA
from projects.selectors import project_funding
from reports.exports.datasets import DATASETS
from reports.exports.writers import write_dictionary, write_export
from tests.projects.factories import ProjectFactory, UserFactory

from .conftest import add_grants, add_sessions, read_csv, read_xlsx, sheet_rows

pytestmark = pytest.mark.django_db


def written(project, dataset: str, file_format: str = "csv", language: str = "en", user=None) -> bytes:
    out = io.BytesIO()
    write_export(
        project=project,
        dataset_key=dataset,
        language=language,
        file_format=file_format,
        user=user or UserFactory(is_staff=True),
        out=out,
    )
    return out.getvalue()


def dictionary(project, dataset: str, language: str = "en") -> list[dict[str, str]]:
    out = io.BytesIO()
    write_dictionary(project=project, dataset_key=dataset, language=language, user=UserFactory(is_staff=True), out=out)
    return read_csv(out.getvalue())


# --- CSV ----------------------------------------------------------------------------------------------


def test_seed_sessions_csv_has_one_row_per_forum_session_and_leaves_uncounted_sessions_empty(seeded):
    project = seeded[RESEN_BITOLA]
    rows = read_csv(written(project, "sessions", language="mk"))

    assert len(rows) == project_participation(project).forum.sessions == 16
    assert list(rows[0])[:4] == ["generated_at", "session_id", "project", "kind"]
    assert {row["municipality"] for row in rows} == {"Ресен", "Битола"}
    assert {row["municipality_language"] for row in rows} == {"mk"}
    # Only totals over eight sessions each were published: no session gets an invented count.
    assert {(row["participants"], row["participants_qualifier"]) for row in rows} == {("", "unknown")}
    generated = {row["generated_at"] for row in rows}
    assert len(generated) == 1
    assert datetime.datetime.fromisoformat(generated.pop()).tzinfo == datetime.UTC


def test_seed_reported_totals_csv_keeps_the_published_totals_735_and_656(seeded):
    project = seeded[RESEN_BITOLA]
    rows = read_csv(written(project, "reported_participation"))

    reported = project_participation(project).reported
    assert [
        (r["municipality"], r["sessions_covered"], r["participants"], r["participants_qualifier"]) for r in rows
    ] == [
        (block.municipality.name_en, str(block.sessions_covered), str(block.participants), block.qualifier)
        for block in reported
    ]
    assert sorted(int(row["participants"]) for row in rows) == [656, 735]
    assert sum(int(row["sessions_covered"]) for row in rows) == 16


def test_seed_funding_csv_has_the_selectors_amounts_shares_and_euro(seeded):
    project = seeded[PRESTIGE_HASKOVO]
    rows = read_csv(written(project, "funding", language="bg"))

    funding = project_funding(project)
    assert [(r["amount"], r["currency"], r["share_percent"], r["eur_amount"]) for r in rows] == [
        (str(f.contribution.amount), "BGN", str(f.share_percent), str(f.eur.amount)) for f in funding.contributions
    ]
    assert [row["amount"] for row in rows] == ["44544.42", "7860.78"]
    assert [row["share_percent"] for row in rows] == ["85.00", "15.00"]
    assert {row["eur_rate"] for row in rows} == {"1.955830"}


def test_unknown_contributions_are_empty_not_zero(seeded):
    rows = read_csv(written(seeded[RESEN_BITOLA], "funding"))

    assert len(rows) == 3
    assert {(row["amount"], row["amount_qualifier"], row["share_percent"]) for row in rows} == {("", "unknown", "")}


def test_session_breakdowns_and_qualifiers_travel_with_each_count():
    project = ProjectFactory()
    add_sessions(project, 3)
    unknown, counted, _ = read_csv(written(project, "sessions"))
    group_key = next(key for key in counted if key.startswith("group_") and not key.endswith("_qualifier"))
    residence_key = next(key for key in counted if key.startswith("residence_") and not key.endswith("_qualifier"))

    assert (unknown["participants"], unknown["participants_qualifier"]) == ("", "unknown")
    assert (unknown["women"], unknown["women_qualifier"], unknown[group_key]) == ("", "unknown", "")
    assert (counted["participants"], counted["participants_qualifier"]) == ("40", "approximate")
    assert (counted["women"], counted["men"], counted["gender_undisclosed"]) == ("22", "15", "")
    assert counted["gender_undisclosed_qualifier"] == "unknown"
    assert (counted["age_18_29"], counted["age_18_29_qualifier"]) == ("10", "exact")
    # A vulnerable group of four is withheld in every export; its qualifier still travels with it.
    assert (counted[group_key], counted[f"{group_key}_qualifier"]) == ("<5", "at_least")
    assert (counted[residence_key], counted[f"{residence_key}_qualifier"]) == ("30", "exact")


def test_small_groups_are_withheld_in_both_formats_and_the_dictionary_says_so():
    project = ProjectFactory()
    add_sessions(project, 3)
    _, counted, _ = read_csv(written(project, "sessions"))
    group_key = next(key for key in counted if key.startswith("group_") and not key.endswith("_qualifier"))
    sheet = sheet_rows(read_xlsx(written(project, "sessions", file_format="xlsx"))["Data"])
    described = {row["column"]: row for row in dictionary(project, "sessions")}

    assert sheet[1][group_key] == "<5"
    assert "withheld" in described[group_key]["unit"] and "withheld" in described["women"]["unit"]
    assert "withheld" not in described["participants"]["unit"]


def test_a_missing_translation_falls_back_to_the_original_language_and_says_so():
    project = ProjectFactory()
    add_sessions(project, 2)
    rows = read_csv(written(project, "sessions", language="mk"))

    assert [(row["title"], row["title_language"]) for row in rows] == [("Session 0", "en"), ("Session 1", "en")]
    # The host municipality's name has a Macedonian translation: the column beside it says so.
    assert {(row["municipality"], row["municipality_language"]) for row in rows} == {("Ресен", "mk")}


def test_grant_files_one_row_per_proposal_line_award_and_tranche_as_the_coordinator_sees_them(cast):
    grants = add_grants(cast.project, cast.ngo_coordinator.memberships.get().organisation)

    proposals = read_csv(written(cast.project, "proposals", user=cast.coordinator))
    lines = read_csv(written(cast.project, "proposal_budget_lines", user=cast.coordinator))
    awards = read_csv(written(cast.project, "awards", user=cast.coordinator))
    tranches = read_csv(written(cast.project, "tranches", user=cast.coordinator))

    # The coordinator reads submitted proposals only: never another organisation's draft.
    assert [int(row["proposal_id"]) for row in proposals] == [grants.submitted.pk, grants.ngo_proposal.pk]
    first = proposals[0]
    assert (first["currency"], first["requested_amount"], first["total_budget"]) == ("MKD", "61500.00", "61750.00")
    assert (first["proposal_title"], first["proposal_title_language"]) == (grants.submitted.title, "mk")
    assert [(row["proposal_id"], row["total"]) for row in lines] == [
        (str(grants.submitted.pk), "4305.35"),
        (str(grants.submitted.pk), "1000.00"),
    ]
    assert [(row["amount"], row["planned"], row["paid"], row["left_to_pay"]) for row in awards] == [
        ("61500.00", "61500.00", "30000.00", "31500.00"),
        ("1000.00", "500.00", "0.00", "1000.00"),
    ]
    assert [(row["number"], row["amount"], row["paid_on"], row["paid_amount"]) for row in tranches] == [
        ("1", "30000.00", "2024-06-20", "30000.00"),
        ("2", "31500.00", "", ""),
        ("1", "500.00", "", ""),
    ]


def test_an_ngo_coordinator_gets_only_their_organisations_proposals_and_awards(cast):
    grants = add_grants(cast.project, cast.ngo_coordinator.memberships.get().organisation)

    for dataset in ("proposals", "awards", "tranches"):
        rows = read_csv(written(cast.project, dataset, user=cast.ngo_coordinator))
        assert {int(row["proposal_id"]) for row in rows} == {grants.ngo_proposal.pk}, dataset


def test_the_data_dictionary_describes_every_column_of_the_file_in_its_language():
    project = ProjectFactory()
    add_sessions(project, 2)
    header = list(read_csv(written(project, "sessions"))[0])
    with translation.override("en"):
        rows = dictionary(project, "sessions")

    assert [row["column"] for row in rows] == header
    by_key = {row["column"]: row for row in rows}
    assert (by_key["participants"]["unit"], by_key["participants"]["qualifier_column"]) == (
        "persons",
        "participants_qualifier",
    )
    assert "ISO 8601" in by_key["date"]["unit"]
    group = next(row for key, row in by_key.items() if key.startswith("group_") and not key.endswith("_qualifier"))
    assert group["label"] == "Roma"
    assert all(row["meaning"] for row in rows)
    assert dictionary(project, "sessions", language="mk")[0]["column"] == "generated_at"


# --- XLSX ---------------------------------------------------------------------------------------------


def test_xlsx_has_the_csv_columns_numbers_as_numbers_dates_as_dates_and_its_sheets():
    project = ProjectFactory()
    add_sessions(project, 3)
    with translation.override("en"):
        workbook = read_xlsx(written(project, "sessions", "xlsx"))

    assert workbook.sheetnames == ["Data", "Data dictionary", "About"]
    rows = sheet_rows(workbook["Data"])
    assert list(rows[0]) == list(read_csv(written(project, "sessions"))[0])
    assert len(rows) == 3
    assert rows[0]["participants"] is None and rows[0]["participants_qualifier"] == "unknown"
    assert rows[1]["participants"] == 40 and isinstance(rows[1]["participants"], int)
    assert rows[1]["date"] == datetime.datetime(2024, 6, 1)
    assert isinstance(rows[1]["generated_at"], datetime.datetime)
    data = workbook["Data"]
    header = [cell.value for cell in data[1]]
    assert data.cell(row=3, column=header.index("date") + 1).number_format == "yyyy-mm-dd"
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Project code"] == project.code
    assert about["Dataset"] == "Forum sessions"
    assert about["Language"] == "English"
    assert about["Rows"] == 3
    assert isinstance(about["Generated at (UTC)"], datetime.datetime)
    assert [row["column"] for row in sheet_rows(workbook["Data dictionary"])] == header


def test_xlsx_money_is_numeric_with_two_decimals(seeded):
    workbook = read_xlsx(written(seeded[PRESTIGE_HASKOVO], "funding", "xlsx", language="bg"))
    data = workbook.worksheets[0]
    header = [cell.value for cell in data[1]]
    amount = data.cell(row=2, column=header.index("amount") + 1)

    assert amount.value == pytest.approx(44544.42)
    assert amount.number_format == "#,##0.00"
    assert data.cell(row=2, column=header.index("share_percent") + 1).value == 85
    assert data.cell(row=2, column=header.index("eur_rate_is_fixed") + 1).value is True


def test_every_dataset_writes_a_file_of_its_declared_columns_even_when_empty():
    project = ProjectFactory()
    for key, dataset in DATASETS.items():
        rows = read_xlsx(written(project, key, "xlsx")).worksheets[0]
        header = [cell.value for cell in next(rows.iter_rows(max_row=1))]
        assert header == ["generated_at", *(column.key for column in dataset.columns(project, AnonymousUser()))], key


# --- LibreOffice --------------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")
soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed (.ci/run installs it)")


def libreoffice_convert(source: Path, to: str, tmp_path: Path, *infilter: str) -> Path:
    """Open ``source`` in LibreOffice (headless, its own profile) and save it as ``to``."""
    out = tmp_path / "converted"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            *infilter,
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / f"{source.stem}.{to.split(':')[0]}"


@soffice
def test_libreoffice_opens_the_xlsx_with_its_columns_and_figures(seeded, tmp_path):
    source = tmp_path / "reported.xlsx"
    source.write_bytes(written(seeded[RESEN_BITOLA], "reported_participation", "xlsx", language="mk"))

    # The first sheet saved as CSV: comma, double quotes, UTF-8 (76), without a byte-order mark.
    converted = libreoffice_convert(source, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path)
    rows = read_csv(b"\xef\xbb\xbf" + converted.read_bytes())

    assert list(rows[0])[:3] == ["generated_at", "total_id", "project"]
    assert [(row["municipality"], row["participants"]) for row in rows] == [("Ресен", "735"), ("Битола", "656")]


@soffice
def test_libreoffice_reads_the_csv_as_utf8_with_numbers_as_numbers(seeded, tmp_path):
    source = tmp_path / "funding.csv"
    source.write_bytes(written(seeded[PRESTIGE_HASKOVO], "funding", language="mk"))

    # The import dialog's choices: comma, double quotes, UTF-8 (76), starting at line 1.
    converted = libreoffice_convert(source, "xlsx", tmp_path, "--infilter=CSV:44,34,76,1")
    rows = sheet_rows(read_xlsx(converted.read_bytes()).worksheets[0])

    assert list(rows[0])[:2] == ["generated_at", "contribution_id"]
    assert [row["amount"] for row in rows] == [pytest.approx(44544.42), pytest.approx(7860.78)]
    assert [row["share_percent"] for row in rows] == [85, 15]
    assert [row["conversion_date"] for row in rows] == [rows[0]["conversion_date"]] * 2
    assert isinstance(rows[0]["conversion_date"], datetime.datetime)
    assert [(row["kind"], row["funder"], row["funder_language"]) for row in rows] == [
        ("ЕУ", "Европски социјален фонд", "mk"),
        ("Национален", None, None),
    ]
    assert [row["eur_rate_is_fixed"] for row in rows] == [True, True]
    assert Decimal(str(rows[0]["eur_amount"])) == project_funding(seeded[PRESTIGE_HASKOVO]).contributions[0].eur.amount
