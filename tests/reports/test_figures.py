"""The figures a report prints: the seed projects as their documents state them, and the longer parts.

Expected numbers come from the seed documents (``../shared/seeds/``) or from the rows each test
creates, worked out by hand in the comments, never from the code under test.
"""

import datetime
from decimal import Decimal

import pytest

from forums.counts import Figure
from forums.models import Attendance, Category, Feedback, ForumSession, Kind, Qualifier
from grants.models import Proposal
from projects.models import BudgetLine, FundingContribution, Organisation, Partner
from reports.figures import (
    EXECUTIVE_SUMMARY,
    FINAL_REPORT,
    REPORT_FORMAT_VERSION,
    data_fingerprint,
    executive_summary,
    final_report,
    report_figures,
)
from reports.models import ReportRequest
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    ResidenceCountFactory,
    VulnerableGroupFactory,
)
from tests.grants.factories import AwardFactory, CallFactory, ProposalFactory, TrancheFactory
from tests.projects.factories import (
    BudgetLineFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PartnerFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
SLIVEN = "BG05SFOP001-2.025-0025-C01"
HASKOVO = "BG05SFOP001-2.025-0163-C01"
GORNA_ORYAHOVITSA = "07-23-73"
EXACT, AT_LEAST, APPROXIMATE = Qualifier.EXACT, Qualifier.AT_LEAST, Qualifier.APPROXIMATE
# The currency board's peg (ARCHITECTURE.md, Data that matters): 1 EUR = 1.95583 BGN, whatever the date.
BGN_PER_EUR = Decimal("1.95583")


def texts(localized_texts) -> list[str]:
    return [text.text for text in localized_texts]


def names(organisations) -> list[str]:
    return [organisation.name.text for organisation in organisations]


def by_place(category) -> dict:
    return {
        row.municipality.name.text if row.municipality else None: (
            row.sessions,
            row.participants,
            row.average_per_session,
        )
        for row in category.by_municipality
    }


# --- 000 Resen and Bitola: the executive summary the portal's must match --------------------------


def test_resen_bitola_summary_in_macedonian_states_the_documents_figures(seeded):
    summary = executive_summary(seeded[RESEN_BITOLA], "mk")

    # "вкупно 16 сесии … вкупно учествуваа 1391 жители …, од кои 735 жители на општина Ресен и
    # 656 жители на општина Битола, или просечно по 91,87 во Ресен, односно 82 во Битола": 735 / 8
    # sessions is 91.875, which the portal rounds half up where the document cut it off.
    assert summary.participation.sessions == 16
    assert summary.participation.participants == Figure(1391, EXACT)
    assert by_place(summary.participation) == {
        "Ресен": (8, Figure(735), Figure(Decimal("91.88"))),
        "Битола": (8, Figure(656), Figure(Decimal("82.00"))),
    }
    # Three trainings are named, nobody published who came: unknown, so the whole is at least 1391.
    assert summary.trainings.sessions == 3
    assert summary.trainings.participants == Figure(None)
    assert summary.participants_total == Figure(1391, AT_LEAST)
    assert summary.events.sessions == 0


def test_resen_bitola_summary_has_the_documents_texts_period_and_roles(seeded):
    summary = executive_summary(seeded[RESEN_BITOLA], "mk")

    assert summary.code == RESEN_BITOLA
    assert texts(summary.general_goals) == [
        "Подобри услуги за граѓаните во заедниците преку зголемена одговорност на институциите, "
        "граѓанските организации и граѓаните."
    ]
    assert texts(summary.goals) == ["Воспоставување на партиципативни пристапи во заедниците."]
    assert texts(summary.target_groups) == ["Граѓаните од општините Ресен и Битола"]
    assert "Ресен и Битола" in summary.area.text
    assert {place.name.text for place in summary.target_municipalities} == {"Ресен", "Битола"}
    assert len(summary.results) == 3 and len(summary.activities) == 3
    assert not summary.has_fallback_texts
    # "МЦМС имаше одговорност за управување …, а заедно со општина Ресен и општина Битола … за спроведување"
    assert [o.acronym for o in summary.managed_by] == ["MCMS"]
    assert names(summary.implemented_by) == [
        "Македонски центар за меѓународна соработка",
        "Општина Ресен",
        "Општина Битола",
    ]
    assert names(summary.funded_by) == ["Швајцарска агенција за развој и соработка", "Општина Ресен", "Општина Битола"]
    # "од 21 октомври 2008 до 30 ноември 2010": two years, one month and ten days, so 25 months.
    period = summary.period
    assert (period.start, period.end) == (datetime.date(2008, 10, 21), datetime.date(2010, 11, 30))
    assert (period.start_precision, period.end_precision, period.duration_months) == ("day", "day", 25)


def test_resen_bitola_budget_is_the_realised_total_with_unknown_shares(seeded):
    budget = executive_summary(seeded[RESEN_BITOLA], "mk").budget

    # "Вкупниот реализиран буџет изнесува 21.975.155 МКД": spent, not planned. No denar rate is stored.
    [total] = budget.totals
    assert (total.currency, total.amount, total.qualifier, total.basis) == (
        "MKD",
        Decimal("21975155.00"),
        EXACT,
        "actual",
    )
    assert total.eur.amount is None and budget.total_eur is None
    # "финансиран од СДЦ и општините Ресен и Битола": how much each gave is not published.
    assert [(c.kind, c.amount, c.share_percent) for c in budget.contributions] == [
        ("donor", None, None),
        ("municipal", None, None),
        ("municipal", None, None),
    ]
    assert budget.has_unknown_amounts and budget.share_basis is None


def test_untranslated_texts_fall_back_to_the_original_language_and_say_so(seeded):
    summary = executive_summary(seeded[RESEN_BITOLA], "bg")

    assert summary.title.text == "Въвеждане на партиципативни подходи в общностите в Ресен и Битоля"
    assert not summary.title.is_fallback
    # The achieved results were published in Macedonian (and translated to English) only.
    assert {(r.language, r.is_fallback) for r in summary.results} == {("mk", True)}
    assert summary.results[1].text == "Спроведени проекти избрани на форумите."
    assert summary.has_fallback_texts
    assert {place.name.text for place in summary.target_municipalities} == {"Ресен", "Битоля"}


# --- The other seeds ------------------------------------------------------------------------------


def test_haskovo_budget_in_bulgarian_is_85_and_15_percent_of_52_405_20(seeded):
    budget = executive_summary(seeded[HASKOVO], "bg").budget

    # "Обща стойност … 52 405.20 лева, от които 44 544,42 лева европейско финансиране и 7 860,78 лева
    # национално финансиране": 44 544,42 / 52 405,20 = 0.85 exactly, 7 860,78 / 52 405,20 = 0.15.
    [total] = budget.totals
    assert (total.currency, total.amount, total.qualifier, total.basis) == (
        "BGN",
        Decimal("52405.20"),
        EXACT,
        "planned",
    )
    assert [(c.kind, c.amount, c.currency, c.share_percent) for c in budget.contributions] == [
        ("eu", Decimal("44544.42"), "BGN", Decimal("85.00")),
        ("national", Decimal("7860.78"), "BGN", Decimal("15.00")),
    ]
    assert budget.contributions[0].funder.name.text == "Европейски социален фонд"
    assert budget.contributions[1].funder is None  # the document names no national funder
    # Euro equivalents at the peg, half up: 44 544,42 / 1.95583 = 22 775.200…, 7 860,78 / 1.95583 = 4 019.150…
    assert [c.eur.amount for c in budget.contributions] == [Decimal("22775.20"), Decimal("4019.15")]
    assert {(c.eur.rate, c.eur.rate_is_fixed) for c in budget.contributions} == {(BGN_PER_EUR, True)}
    # 52 405,20 / 1.95583 = 26 794.353…
    assert total.eur.amount == budget.total_eur == Decimal("26794.35")
    assert budget.share_basis == "stated_total"


def test_haskovo_period_and_roles(seeded):
    summary = executive_summary(seeded[HASKOVO], "bg")

    # "Крайният срок за изпълнение е 31.12.2023"; the project started on 24 August 2022.
    assert (summary.period.start, summary.period.end) == (datetime.date(2022, 8, 24), datetime.date(2023, 12, 31))
    assert names(summary.managed_by) == ["Сдружение „Алианс за регионално сътрудничество и развитие“"]
    assert names(summary.partners) == ["Община Хасково"]
    assert summary.general_goals == []  # the article states no general goal
    assert summary.participation.participants == Figure(None)


def test_sliven_events_are_at_least_125_people_over_six_events(seeded):
    report = final_report(seeded[SLIVEN], "bg")
    summary = report.summary

    # Four consultations, a round table and a conference, "посетени от над 125 души", with no split.
    assert summary.events.sessions == 6
    assert summary.events.participants == Figure(125, AT_LEAST)
    assert by_place(summary.events) == {"Сливен": (6, Figure(125, AT_LEAST), Figure(Decimal("20.83"), AT_LEAST))}
    assert summary.period.duration_months == 12 and summary.period.start is None  # "12 месеца", no dates
    # No total is published and the fund's amount is unknown: no total at all rather than zero.
    assert summary.budget.totals == [] and summary.budget.has_unknown_amounts
    assert [row.session.kind for row in report.events] == [Kind.EVENT_CONSULTATION] * 4 + [
        Kind.EVENT_ROUND_TABLE,
        Kind.EVENT_CONFERENCE,
    ]
    assert {row.participants for row in report.events} == {Figure(None)}  # never spread over events
    [reported] = report.sources.reported_totals
    assert (reported.category, reported.sessions_covered, reported.participants) == (
        Category.EVENT,
        6,
        Figure(125, AT_LEAST),
    )
    assert reported.municipality.name.text == "Сливен"
    assert {(q.category, q.municipality is None) for q in report.sources.qualified_figures} == {
        (Category.EVENT, True),
        (Category.EVENT, False),
        (None, True),
    }


def test_gorna_oryahovitsa_budget_converts_the_stated_total_at_the_peg(seeded):
    summary = executive_summary(seeded[GORNA_ORYAHOVITSA], "en")

    # "Обща стойност на проекта 390 000 лева", "25 общини", "12 месеца"; 390 000 / 1.95583 = 199 403.833…
    [total] = summary.budget.totals
    assert (total.amount, total.currency, total.eur.amount) == (Decimal("390000.00"), "BGN", Decimal("199403.83"))
    assert summary.budget.contributions[0].share_percent is None  # the fund's amount is not published
    assert summary.target_municipality_count == 25
    assert summary.period.duration_months == 12


def test_every_seed_gathers_in_every_language(seeded):
    for project in seeded.values():
        for language in ("en", "mk", "bg", "sq"):
            report = final_report(project, language)
            assert report.summary.language == language
            assert report.summary.title.text


# --- The final report's longer parts --------------------------------------------------------------


@pytest.fixture
def project():
    """A Macedonian project from 2024 with the Macedonian denar at 61.5 per euro from its start."""
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1), units_per_eur=Decimal("61.5"))
    return ProjectFactory(original_language="mk", title_en="Budget forums", title_mk="Буџетски форуми")


def held_session(project, place, kind=Kind.FORUM_WORKING, **attendance):
    session = ForumSessionFactory(project=project, municipality=place, kind=kind, date=datetime.date(2024, 3, 1))
    if attendance:
        AttendanceFactory(session=session, **attendance)
    return session


def test_final_report_lists_sessions_with_their_attendance_and_breakdowns(project):
    resen = MunicipalityFactory(name_en="Resen", name_mk="Ресен")
    counted = held_session(project, resen, participants=40, women=25, men=15, age_18_29=10)
    GroupCountFactory(attendance=counted.attendance, group=VulnerableGroupFactory(name_mk="Роми"), count=6)
    ResidenceCountFactory(attendance=counted.attendance, municipality=resen, count=38)
    held_session(project, resen)  # held, nobody counted
    held_session(project, None, Kind.TRAINING, participants=12, participants_qualifier=APPROXIMATE)

    report = final_report(project, "mk")

    first, uncounted = report.sessions
    assert (first.session.municipality.name.text, first.session.kind) == ("Ресен", Kind.FORUM_WORKING)
    assert first.participants == Figure(40)
    assert [(part.part, part.count) for part in first.gender] == [
        ("women", Figure(25)),
        ("men", Figure(15)),
        ("gender_undisclosed", Figure(None)),
    ]
    assert [(part.part, part.count.value) for part in first.age] == [
        ("age_under_18", None),
        ("age_18_29", 10),
        ("age_30_64", None),
        ("age_65_plus", None),
    ]
    assert [(c.name.text, c.count) for c in first.groups] == [("Роми", Figure(6))]
    assert [(c.name.text, c.count) for c in first.residence] == [("Ресен", Figure(38))]
    assert (uncounted.participants, uncounted.gender, uncounted.groups) == (Figure(None), [], [])
    [training] = report.trainings
    assert training.participants == Figure(12, APPROXIMATE)
    assert training.age == []  # no band recorded: no breakdown rather than four unknowns
    # Project-wide shares: 25 women of the 40 participants of the sessions that recorded gender.
    assert report.gender.base == Figure(40)
    assert [(p.part, p.share.value) for p in report.gender.parts][:2] == [
        ("women", Decimal("62.50")),
        ("men", Decimal("37.50")),
    ]
    # The approximate training and the unknown session make the annex.
    assert Figure(12, APPROXIMATE) in {q.figure for q in report.sources.qualified_figures}


def test_final_report_budget_lines_planned_versus_spent_in_euro(project):
    events = BudgetLineFactory(
        project=project, category=BudgetLine.Category.EVENTS, amount=Decimal("61500.00"), currency="MKD"
    )
    ExpenditureFactory(budget_line=events, amount=Decimal("12300.00"))
    ExpenditureFactory(budget_line=events, amount=Decimal("6150.00"))
    BudgetLineFactory(project=project, category=BudgetLine.Category.TRAVEL, amount=Decimal("500.00"), currency="EUR")

    report = final_report(project, "en")

    denars, euros = report.budget_lines
    # 61 500 MKD planned, 18 450 spent (30 %), 43 050 left; at 61.5 per euro: 1 000 and 300 EUR.
    assert (denars.planned, denars.spent, denars.remaining, denars.spent_percent) == (
        Decimal("61500.00"),
        Decimal("18450.00"),
        Decimal("43050.00"),
        Decimal("30.00"),
    )
    assert (denars.planned_eur.amount, denars.spent_eur.amount) == (Decimal("1000.00"), Decimal("300.00"))
    assert (denars.planned_eur.rate, denars.planned_eur.rate_date) == (Decimal("61.5"), datetime.date(2024, 1, 1))
    # Nothing recorded against the travel line: spent is unknown, not zero.
    assert (euros.spent, euros.remaining, euros.spent_eur.amount, euros.planned_eur.amount) == (
        None,
        None,
        None,
        Decimal("500.00"),
    )
    assert [(t.currency, t.planned, t.spent, t.spent_eur.amount) for t in report.planned_vs_spent] == [
        ("EUR", Decimal("500.00"), None, None),
        ("MKD", Decimal("61500.00"), Decimal("18450.00"), Decimal("300.00")),
    ]


def test_budget_by_funder_shares_a_mixed_currency_total_in_euro(project):
    FundingContributionFactory(project=project, amount=Decimal("3000.00"), currency="EUR")
    FundingContributionFactory(
        project=project,
        kind=FundingContribution.Kind.MUNICIPAL,
        funder=OrganisationFactory(name_mk="Општина Ресен", kind=Organisation.Kind.MUNICIPALITY),
        amount=Decimal("61500.00"),
        currency="MKD",
    )

    budget = final_report(project, "mk").summary.budget

    # 3 000 EUR and 61 500 MKD = 1 000 EUR: 4 000 EUR in all, shared 75 % and 25 %.
    assert [(t.currency, t.amount, t.qualifier) for t in budget.totals] == [
        ("EUR", Decimal("3000.00"), EXACT),
        ("MKD", Decimal("61500.00"), EXACT),
    ]
    assert budget.total_eur == Decimal("4000.00")
    assert [c.share_percent for c in budget.contributions] == [Decimal("75.00"), Decimal("25.00")]
    assert budget.contributions[1].funder.name.text == "Општина Ресен"


def test_a_contribution_of_unknown_amount_makes_the_summed_total_a_lower_bound(project):
    FundingContributionFactory(project=project, amount=Decimal("3000.00"), currency="EUR")
    FundingContributionFactory(project=project, amount=None, currency="")

    budget = executive_summary(project, "en").budget

    assert [(t.amount, t.qualifier) for t in budget.totals] == [(Decimal("3000.00"), AT_LEAST)]
    assert budget.total_eur is None
    assert [c.share_percent for c in budget.contributions] == [None, None]


def test_final_report_grant_funnel_and_selected_grants(project):
    call = CallFactory(project=project, title_mk="Мали грантови 2024", closed=True)
    contracted = AwardFactory(proposal=ProposalFactory(call=call, status=Proposal.Status.CONTRACTED, title="Парк"))
    TrancheFactory(award=contracted, amount=Decimal("600.00"), paid=True)
    TrancheFactory(award=contracted, amount=Decimal("400.00"))
    ProposalFactory(call=call, status=Proposal.Status.SELECTED, title="Библиотека", requested_amount=Decimal("800"))
    ProposalFactory(call=call, status=Proposal.Status.NOT_SELECTED)
    ProposalFactory(call=call, status=Proposal.Status.INELIGIBLE)
    ProposalFactory(call=call)  # a draft is not in the funnel

    report = final_report(project, "mk")

    [funnel] = report.calls
    assert funnel.title.text == "Мали грантови 2024"
    # Four submitted, three past eligibility, two selected (the contracted one and the selected one).
    assert (funnel.submitted, funnel.eligible, funnel.selected) == (4, 3, 2)
    assert (funnel.selected_rate, funnel.awarded, funnel.awards, funnel.paid) == (
        Decimal("50.00"),
        Decimal("1000.00"),
        1,
        Decimal("600.00"),
    )
    assert [(g.title.text, g.requested, g.awarded, g.paid) for g in report.selected_grants] == [
        ("Библиотека", Decimal("800.00"), None, None),  # selected, no agreement signed yet
        ("Парк", Decimal("1000.00"), Decimal("1000.00"), Decimal("600.00")),
    ]
    [grants] = report.summary.grants
    assert (grants.currency, grants.calls, grants.submitted, grants.selected, grants.awarded) == (
        "EUR",
        1,
        4,
        2,
        Decimal("1000.00"),
    )


def test_final_report_feedback_figures(project):
    session = held_session(project, MunicipalityFactory(), participants=20)
    held_session(project, MunicipalityFactory(), participants=10)  # no feedback: not listed
    for number, (satisfaction, useful) in enumerate([(4, True), (5, False), (5, None)]):
        Feedback.objects.create(
            session=session, satisfaction=satisfaction, was_useful=useful, language="mk", device_hash=f"d{number}"
        )

    report = final_report(project, "mk")

    # (4 + 5 + 5) / 3 = 4.666… → 4.67; one of the two who answered found it useful: 50 %.
    assert (report.feedback.responses, report.feedback.average_satisfaction, report.feedback.useful_share) == (
        3,
        Decimal("4.67"),
        Decimal("50.00"),
    )
    [row] = report.feedback_by_session
    assert row.feedback == report.feedback


def test_every_kind_of_report_request_has_its_figures(project):
    assert {kind: type(report_figures(project, kind, "en")).__name__ for kind in ReportRequest.Kind.values} == {
        "executive_summary": "ExecutiveSummary",
        "final_report": "FinalReport",
    }


# --- The fingerprint ------------------------------------------------------------------------------


def test_fingerprint_is_stable_while_nothing_changes(seeded):
    project = seeded[RESEN_BITOLA]

    first = data_fingerprint(project, EXECUTIVE_SUMMARY, "mk")

    assert len(first) == 64 and int(first, 16) >= 0
    assert data_fingerprint(project, EXECUTIVE_SUMMARY, "mk") == first
    assert data_fingerprint(project, FINAL_REPORT, "mk") != first
    assert data_fingerprint(project, EXECUTIVE_SUMMARY, "bg") != first
    assert REPORT_FORMAT_VERSION >= 1


def test_fingerprint_changes_with_a_figure(project):
    session = held_session(project, MunicipalityFactory(), participants=20)
    before = data_fingerprint(project, EXECUTIVE_SUMMARY, "mk")

    Attendance.objects.filter(session=session).update(participants=21)

    assert data_fingerprint(project, EXECUTIVE_SUMMARY, "mk") != before


def test_fingerprint_changes_with_a_text_of_the_reports_language_only(project):
    project.title_bg = "Бюджетни форуми"
    project.save()
    before = {language: data_fingerprint(project, FINAL_REPORT, language) for language in ("mk", "bg")}

    project.title_mk = "Нов наслов"
    project.save()

    assert data_fingerprint(project, FINAL_REPORT, "mk") != before["mk"]
    # A Bulgarian PDF that prints its own title need not be rendered again for a Macedonian fix.
    assert data_fingerprint(project, FINAL_REPORT, "bg") == before["bg"]


def test_fingerprint_changes_when_a_session_is_logged(seeded):
    project = seeded[RESEN_BITOLA]
    before = data_fingerprint(project, FINAL_REPORT, "en")

    ForumSessionFactory(project=project, municipality=None, kind=Kind.TRAINING, status=ForumSession.Status.PLANNED)

    assert data_fingerprint(project, FINAL_REPORT, "en") != before


# --- Queries --------------------------------------------------------------------------------------


def project_with_rows(count: int):
    """A project with ``count`` of everything a report prints: sessions with breakdowns, grants, money."""
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1), units_per_eur=Decimal("61.5"))
    project = ProjectFactory(original_language="mk")
    for _ in range(count):
        place = MunicipalityFactory()
        project.target_municipalities.add(place)
        session = held_session(project, place, participants=30, women=10)
        GroupCountFactory(attendance=session.attendance)
        ResidenceCountFactory(attendance=session.attendance, municipality=place)
        held_session(project, place, Kind.TRAINING, participants=5)
        Feedback.objects.create(session=session, satisfaction=4, language="mk", device_hash=f"h{session.pk}")
        PartnerFactory(project=project, role=Partner.Role.IMPLEMENTING)
        FundingContributionFactory(project=project, amount=Decimal("100.00"), currency="MKD")
        line = BudgetLineFactory(project=project, currency="MKD")
        ExpenditureFactory(budget_line=line)
        call = CallFactory(project=project, closed=True)
        TrancheFactory(award=AwardFactory(proposal=ProposalFactory(call=call, status=Proposal.Status.CONTRACTED)))
    return project


# The project, then one query each for its countries, target municipalities and their countries,
# target groups, objectives, results, activities, partners, contributions and budget lines (11); the
# rates (1); participation: sessions by kind, held sessions per category and place, reported totals,
# their places, breakdowns (5); the grant totals (1).
SUMMARY_QUERIES = 18
# And: sessions, their vulnerable-group counts, the groups, residence counts and their municipalities;
# feedback by session and overall; calls; selected grants.
FINAL_REPORT_QUERIES = SUMMARY_QUERIES + 9


@pytest.mark.parametrize("count", [1, 4])
def test_summary_queries_do_not_grow_with_the_rows(django_assert_num_queries, count):
    project = project_with_rows(count)

    with django_assert_num_queries(SUMMARY_QUERIES):
        summary = executive_summary(project, "mk")

    assert summary.participation.sessions == count


@pytest.mark.parametrize("count", [1, 4])
def test_final_report_queries_do_not_grow_with_the_rows(django_assert_num_queries, count):
    project = project_with_rows(count)

    with django_assert_num_queries(FINAL_REPORT_QUERIES):
        report = final_report(project, "mk")

    assert (len(report.sessions), len(report.calls), len(report.selected_grants)) == (count, count, count)
    assert len(report.budget_lines) == count
