"""Groups smaller than 5 are shown as "<5" to readers outside the project team, in PDFs and the API.

Rules tested here: 1–4 is suppressed, 0 stays 0 (it points at nobody), unknown stays unknown; when
exactly one part of a shown total is suppressed, the next smallest part goes with it, or subtraction
would give it back; overlapping groups (vulnerable groups) need no second suppression.
"""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from forums.counts import Figure
from forums.models import Qualifier
from forums.selectors import Breakdown, project_participation, suppress_small_groups, suppressed_breakdown
from reports.rendering import render_report
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    ResidenceCountFactory,
    VulnerableGroupFactory,
)
from tests.projects.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

SUPPRESSED = Figure.suppressed()


def counts(*values) -> list[Figure]:
    return [Figure(value) for value in values]


# --- The rule -------------------------------------------------------------------------------------


def test_groups_of_one_to_four_are_suppressed_zero_and_five_are_not():
    shown = suppress_small_groups(counts(0, 1, 4, 5, 12), parts_of_total=False)

    assert shown == [Figure(0), SUPPRESSED, SUPPRESSED, Figure(5), Figure(12)]


def test_unknown_stays_unknown_and_a_qualifier_is_kept():
    shown = suppress_small_groups([Figure.unknown(), Figure(3, Qualifier.APPROXIMATE), Figure(20), Figure(30)])

    assert shown[0] == Figure.unknown()
    assert not shown[0].is_suppressed
    assert shown[1] == Figure.suppressed(Qualifier.APPROXIMATE)


def test_one_suppressed_part_of_a_total_takes_the_next_smallest_with_it():
    # 30 participants: 3 women, 12 men, 15 undisclosed. Showing 12 and 15 would give the 3 back.
    assert suppress_small_groups(counts(3, 12, 15)) == [SUPPRESSED, SUPPRESSED, Figure(15)]


def test_the_second_suppression_may_hide_a_zero_since_subtraction_would_give_the_group_back():
    assert suppress_small_groups(counts(2, 0, 28)) == [SUPPRESSED, SUPPRESSED, Figure(28)]


def test_two_small_parts_protect_each_other():
    assert suppress_small_groups(counts(2, 3, 25)) == [SUPPRESSED, SUPPRESSED, Figure(25)]


def test_overlapping_groups_need_no_second_suppression():
    assert suppress_small_groups(counts(3, 12), parts_of_total=False) == [SUPPRESSED, Figure(12)]


def test_a_suppressed_count_takes_its_share_and_the_remainder_counts_as_a_part():
    breakdown = Breakdown(
        base=Figure(40),
        parts=[
            ("women", Figure(3), Figure(7.5)),
            ("men", Figure(30), Figure(75)),
            ("gender_undisclosed", Figure(0), Figure(0)),
        ],
        not_recorded=Figure(7),
    )

    shown = suppressed_breakdown(breakdown)

    assert shown.parts[0] == ("women", SUPPRESSED, SUPPRESSED)
    # The next smallest part is the undisclosed 0: with it hidden, 40 − 30 − 7 is 3 women or undisclosed.
    assert shown.parts[2] == ("gender_undisclosed", SUPPRESSED, SUPPRESSED)
    assert shown.parts[1] == ("men", Figure(30), Figure(75))
    assert shown.not_recorded == Figure(7)
    assert shown.base == Figure(40)


# --- Who sees what --------------------------------------------------------------------------------


@pytest.fixture
def small_session(cast):
    """A held session of a public project: 30 participants, 3 women, 12 men, 15 undisclosed; 2 Roma;
    25 living in Resen and 5 in Ohrid."""
    cast.project.is_public = True
    cast.project.start_date = datetime.date(2024, 1, 1)
    cast.project.save()
    resen = cast.project.target_municipalities.get(name_en="Resen")
    session = ForumSessionFactory(project=cast.project, municipality=resen, date=datetime.date(2024, 6, 1))
    attendance = AttendanceFactory(session=session, participants=30, women=3, men=12, gender_undisclosed=15)
    GroupCountFactory(attendance=attendance, group=VulnerableGroupFactory(name_en="Roma"), count=2)
    ResidenceCountFactory(attendance=attendance, municipality=resen, count=25)
    ResidenceCountFactory(attendance=attendance, municipality=MunicipalityFactory(name_en="Ohrid"), count=5)
    return session


def test_project_figures_suppress_by_default_and_the_team_may_ask_for_exact_ones(small_session):
    project = small_session.project

    public = project_participation(project)
    team = project_participation(project, exact_small_groups=True)

    assert {part: count for part, count, _share in public.gender.parts}["women"] == SUPPRESSED
    assert {part: count for part, count, _share in team.gender.parts}["women"] == Figure(3)


def page(client, user, url) -> str:
    if user.is_authenticated:
        client.force_login(user)
    with translation.override("en"):
        return client.get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "exact"),
    [("anonymous", False), ("outsider", False), ("ngo_coordinator", False), ("coordinator", True), ("donor", True)],
)
def test_the_session_page_shows_small_groups_only_to_the_team(cast, client, small_session, who, exact):
    with translation.override("en"):
        url = reverse("forums:session", kwargs={"code": cast.project.code, "pk": small_session.pk})

    html = page(client, getattr(cast, who), url)

    women = html.split(">Women<", 1)[1].split("</tr>", 1)[0]
    roma = html.split(">Roma<", 1)[1].split("</tr>", 1)[0]
    if exact:
        assert ">3<" in women and ">2<" in roma
    else:
        assert "&lt;5" in women and "&lt;5" in roma
        assert ">3<" not in women and ">2<" not in roma
    assert ">25<" in html.split("Living in Resen", 1)[1].split("</tr>", 1)[0]


def test_the_participation_page_shows_less_than_five_to_the_public(cast, client, small_session):
    with translation.override("en"):
        url = reverse("forums:participation", kwargs={"code": cast.project.code})

    public = page(client, cast.anonymous, url)
    team = page(client, cast.municipal_staff, url)

    women_public = public.split(">Women<", 1)[1].split("</tr>", 1)[0]
    women_team = team.split(">Women<", 1)[1].split("</tr>", 1)[0]
    assert "&lt;5" in women_public and ">3<" not in women_public
    assert ">3<" in women_team


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_api_marks_suppressed_figures_and_leaves_no_value(cast, small_session):
    url = f"/api/v1/projects/{cast.project.pk}/participation/"

    public = api().get(url).data["gender"]["parts"]
    team = api(cast.coordinator).get(url).data["gender"]["parts"]

    women = next(part for part in public if part["part"] == "women")
    assert women["count"] == {"value": None, "qualifier": "exact", "suppressed": True}
    assert women["share"] == {"value": None, "qualifier": "exact", "suppressed": True}
    assert next(part for part in team if part["part"] == "women")["count"]["value"] == 3


def test_the_session_api_withholds_small_groups_from_the_public(cast, small_session):
    url = f"/api/v1/sessions/{small_session.pk}/"

    public = api().get(url).data["attendance"]
    team = api(cast.municipal_staff).get(url).data["attendance"]

    assert (public["women"], public["men"], public["gender_undisclosed"]) == (None, None, 15)
    assert public["groups"] == []
    assert sorted(public["suppressed"]) == sorted(
        ["women", "men", f"groups:{small_session.attendance.group_counts.get().group_id}"]
    )
    assert [row["count"] for row in public["residence"]] == [25, 5]  # 5 is not a small group
    assert (team["women"], team["suppressed"], len(team["groups"])) == (3, [], 1)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_final_report_pdf_is_published_so_small_groups_are_always_suppressed(small_session):
    text = pdf_text(render_report(small_session.project, "final_report", "en").pdf)

    session = " ".join(text.split("Participants: 30", 1)[1].split("Municipality of residence", 1)[0].split())
    assert "women <5, men <5, gender not disclosed 15" in session
    assert "Roma <5" in session
    shares = " ".join(text.split("Shares of the 30 participants", 1)[1].split())
    assert "Women <5 withheld" in shares  # the project's gender table: a withheld share, not "<5 %"
