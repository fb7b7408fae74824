"""The large dataset of ``make bench``, written with bulk SQL (INSERT … SELECT generate_series).

Per project: two target municipalities, 20 forum sessions, trainings and events, each with its attendance
(one in ten unknown, the rest exact, approximate or "at least"), 3 vulnerable-group counts and 2 counts by
municipality of residence; one call for proposals with 5 proposals of 4 budget lines. At full size
(10,000 projects): 200,000 sessions, 200,000 attendance rows with 1,000,000 breakdown counts, 10,000
calls, 50,000 proposals, 200,000 budget lines. Projects are written in chunks, one transaction each, so
the progress bar moves and an interrupted run leaves whole projects only.
"""

from __future__ import annotations

import psycopg
from tqdm import tqdm

SESSIONS_PER_PROJECT = 20
PROPOSALS_PER_PROJECT = 5
LINES_PER_PROPOSAL = 4
MUNICIPALITIES = 200
ORGANISATIONS = 1000
GROUPS = 3
CHUNK = 250
CODE = "BENCH-"  # followed by the project's number, zero-padded to six digits: codes sort as numbers


def code(number: int) -> str:
    return f"{CODE}{number:06d}"


REFERENCE = [
    # Municipalities and organisations of the generated projects, and the vulnerable groups they count.
    """INSERT INTO projects_municipality (name, name_en, country_id)
       SELECT 'Bench municipality ' || n, 'Bench municipality ' || n, (SELECT min(id) FROM projects_country)
       FROM generate_series(1, %(municipalities)s::int) n""",
    """INSERT INTO projects_organisation (name, name_en, acronym, kind, website, iati_identifier)
       SELECT 'Bench association ' || n, 'Bench association ' || n, '', 'ngo', '', ''
       FROM generate_series(1, %(organisations)s::int) n""",
    """INSERT INTO forums_vulnerablegroup (name, name_en, is_active, "order")
       SELECT 'Bench group ' || n, 'Bench group ' || n, true, 100 + n FROM generate_series(1, %(groups)s::int) n""",
]

# Each statement writes the rows of the projects numbered %(first)s to %(last)s.
CHUNK_STATEMENTS = [
    """INSERT INTO projects_project (
           code, title, title_en, summary, summary_en, general_goal, area, programme, funding_instrument, source,
           original_language, status, start_date, start_precision, end_date, end_precision,
           total_budget_amount, total_budget_currency, total_budget_basis, website, is_public, version,
           created_at, updated_at)
       SELECT %(code)s || lpad(n::text, 6, '0'), 'Bench project ' || n, 'Bench project ' || n,
           'A generated project for the benchmark.', 'A generated project for the benchmark.', '', '', '', '', '',
           (ARRAY['mk', 'bg', 'sq', 'en'])[1 + n %% 4], 'ongoing', DATE '2022-01-01' + n %% 365, 'day',
           DATE '2025-12-31', 'day', 100000 + n, 'EUR', 'planned', '', n %% 10 <> 0, 1, now(), now()
       FROM generate_series(%(first)s::int, %(last)s::int) n""",
    """INSERT INTO projects_project_target_municipalities (project_id, municipality_id)
       SELECT p.id, (%(municipality_ids)s::bigint[])[1 + (substr(p.code, 7)::int + k) %% %(municipalities)s]
       FROM projects_project p CROSS JOIN generate_series(0, 1) k
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO forums_forumsession (
           kind, status, date, venue, language, title, title_en, facilitators, agenda, minutes, feedback_token,
           version, created_at, updated_at, municipality_id, project_id)
       SELECT (ARRAY['forum_informational', 'forum_deliberative', 'forum_working', 'training',
                     'event_consultation'])[1 + s %% 5],
           CASE WHEN s %% 10 = 9 THEN 'planned' ELSE 'held' END, p.start_date + s * 14, '', p.original_language,
           'Session ' || s, 'Session ' || s, '', '', '', md5(p.code || '-' || s), 1, now(), now(),
           (%(municipality_ids)s::bigint[])[1 + (substr(p.code, 7)::int + s %% 2) %% %(municipalities)s], p.id
       FROM projects_project p CROSS JOIN generate_series(1, %(sessions)s::int) s
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO forums_attendance (
           session_id, participants, participants_qualifier, women, women_qualifier, men, men_qualifier,
           gender_undisclosed, gender_undisclosed_qualifier, age_under_18, age_under_18_qualifier,
           age_18_29, age_18_29_qualifier, age_30_64, age_30_64_qualifier, age_65_plus, age_65_plus_qualifier)
       SELECT s.id, t.total, (ARRAY['exact', 'approximate', 'at_least'])[1 + s.id %% 3],
           t.total / 2, 'exact', t.total / 3, 'exact', NULL, 'exact', NULL, 'exact',
           t.total / 4, 'approximate', t.total / 3, 'exact', NULL, 'exact'
       FROM forums_forumsession s
       JOIN projects_project p ON p.id = s.project_id
       CROSS JOIN LATERAL (SELECT CASE WHEN s.id %% 10 = 0 THEN NULL ELSE 12 + s.id %% 60 END AS total) t
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO forums_groupcount (attendance_id, group_id, count, qualifier)
       SELECT a.session_id, g.id, CASE WHEN a.participants IS NULL THEN NULL ELSE a.participants / 6 END, 'exact'
       FROM forums_attendance a
       JOIN forums_forumsession s ON s.id = a.session_id
       JOIN projects_project p ON p.id = s.project_id
       CROSS JOIN (SELECT id FROM forums_vulnerablegroup WHERE name LIKE 'Bench group %%') g
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO forums_residencecount (attendance_id, municipality_id, count, qualifier)
       SELECT a.session_id, m.municipality_id, CASE WHEN a.participants IS NULL THEN NULL ELSE a.participants / 2 END,
           'approximate'
       FROM forums_attendance a
       JOIN forums_forumsession s ON s.id = a.session_id
       JOIN projects_project p ON p.id = s.project_id
       JOIN projects_project_target_municipalities m ON m.project_id = p.id
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO grants_call (
           title, title_en, description, description_en, currency, envelope, max_per_grant, min_cofinancing_percent,
           opens_at, closes_at, time_zone, selection_method, quorum, votes_per_participant, tie_rule, phase, version,
           created_at, project_id)
       SELECT 'Small grants ' || p.code, 'Small grants ' || p.code, '', '', 'EUR', 50000, 10000, 10,
           TIMESTAMPTZ '2023-01-01 08:00+01', TIMESTAMPTZ '2023-03-01 16:00+01', 'Europe/Skopje', 'committee',
           0, 1, 'review_score', 'in_review', 1, now(), p.id
       FROM projects_project p
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO grants_proposal (
           language, title, summary, problem, activities, beneficiaries, duration_months, requested_amount,
           cofinancing_cash, cofinancing_in_kind, status, submitted_at, decision_reason, version, created_at,
           updated_at, call_id, organisation_id, municipality_id)
       SELECT p.original_language, 'Proposal ' || k || ' to ' || p.code, 'A generated proposal.', '', '', '', 6,
           4000 + k * 500, 500, 250, (ARRAY['submitted', 'eligible', 'in_review', 'shortlisted', 'ineligible'])[k],
           TIMESTAMPTZ '2023-02-15 12:00+01', '', 1, now(), now(), c.id,
           (%(organisation_ids)s::bigint[])[1 + (substr(p.code, 7)::int * 5 + k) %% %(organisations)s],
           (%(municipality_ids)s::bigint[])[1 + substr(p.code, 7)::int %% %(municipalities)s]
       FROM grants_call c
       JOIN projects_project p ON p.id = c.project_id
       CROSS JOIN generate_series(1, %(proposals)s::int) k
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
    """INSERT INTO grants_proposalbudgetline (
           category, description, unit, quantity, unit_cost, financed_by, "order", proposal_id)
       SELECT (ARRAY['personnel', 'travel', 'equipment', 'services'])[l], 'Line ' || l, 'day', 10, 40 + l * 10,
           CASE WHEN l = 4 THEN 'cofinancing' ELSE 'grant' END, l, r.id
       FROM grants_proposal r
       JOIN grants_call c ON c.id = r.call_id
       JOIN projects_project p ON p.id = c.project_id
       CROSS JOIN generate_series(1, %(lines)s::int) l
       WHERE p.code BETWEEN %(first_code)s AND %(last_code)s""",
]


def generated_projects(connection: psycopg.Connection) -> int:
    return connection.execute("SELECT count(*) FROM projects_project WHERE code LIKE %s", [CODE + "%"]).fetchone()[0]


def generate(url: str, projects: int) -> None:
    """Write ``projects`` generated projects and everything under them into the migrated database at ``url``.

    Continues where an interrupted run stopped (whole chunks are committed, so it starts after the last one).
    """
    # Autocommit, so that each ``transaction()`` block is a transaction of its own, committed as it ends.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET synchronous_commit = off")
        if not connection.execute("SELECT 1 FROM projects_municipality WHERE name LIKE 'Bench %%'").fetchone():
            with connection.transaction():
                for statement in REFERENCE:
                    connection.execute(
                        statement, {"municipalities": MUNICIPALITIES, "organisations": ORGANISATIONS, "groups": GROUPS}
                    )
        parameters = {
            "code": CODE,
            "municipalities": MUNICIPALITIES,
            "organisations": ORGANISATIONS,
            "sessions": SESSIONS_PER_PROJECT,
            "proposals": PROPOSALS_PER_PROJECT,
            "lines": LINES_PER_PROPOSAL,
            "municipality_ids": ids(connection, "projects_municipality", "name LIKE 'Bench municipality %%'"),
            "organisation_ids": ids(connection, "projects_organisation", "name LIKE 'Bench association %%'"),
        }
        done = generated_projects(connection)
        with tqdm(total=projects, initial=done, unit="project", desc="generating", smoothing=0.1) as progress:
            for first in range(done + 1, projects + 1, CHUNK):
                last = min(first + CHUNK - 1, projects)
                chunk = {**parameters, "first": first, "last": last, "first_code": code(first), "last_code": code(last)}
                with connection.transaction():
                    for statement in CHUNK_STATEMENTS:
                        connection.execute(statement, chunk)
                progress.update(last - first + 1)
        connection.execute("VACUUM ANALYZE")


def ids(connection: psycopg.Connection, table: str, condition: str) -> list[int]:
    return [row[0] for row in connection.execute(f"SELECT id FROM {table} WHERE {condition} ORDER BY id")]  # noqa: S608


def counts(url: str) -> dict[str, int]:
    """The number of rows of the tables the benchmark is about."""
    tables = {
        "projects": "projects_project",
        "sessions": "forums_forumsession",
        "attendance": "forums_attendance",
        "breakdown counts": "(SELECT id FROM forums_groupcount UNION ALL SELECT id FROM forums_residencecount) b",
        "proposals": "grants_proposal",
        "budget lines": "grants_proposalbudgetline",
    }
    with psycopg.connect(url) as connection:
        return {
            name: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for name, table in tables.items()
        }
