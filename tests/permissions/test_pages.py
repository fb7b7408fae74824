"""The permission matrix of every page: each URL the resolver knows (the admin's aside, see
``test_admin_is_for_staff_only``) × each method its view answers × each role. Conventions in ``matrix.py``.

Form POSTs send an empty body unless a row gives one: a page must refuse a forbidden user before it
reads the form, and an allowed one answers the empty form with its errors (400) or a redirect.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from .matrix import Row, cases, judged
from .world import PDF, PUBLIC_VISITORS, ROLES, TENANT_ROLES, changed_tables, snapshot

pytestmark = pytest.mark.django_db

# Columns:          A O C M N D R S  (see ROLES: anonymous, outsider, coordinator, municipal staff, NGO, donor,
#                                    reviewer, staff)
EVERYONE = "yyyyyyyy"
SIGNED_IN = "lyyyyyyy"
PROJECT_READERS = "nnyyyyny"  # whoever may read the private project: its members and staff
COORDINATORS = "lnyfffny"  # pages that need an account, for the project's coordinators and staff
LOGGERS = "lnyyffny"  # coordinators, the municipal staff serving the session's municipality, staff
REPORTERS = "lnyffyny"  # coordinators, donors and staff: PDF reports and the IATI file
REPORT_READERS = "lnynnyny"  # a report request is unknown to those who may not request one
APPLICANT = "lnnnynnf"  # the NGO's own draft: nobody else sees it; staff read it but do not write it
GRANT_HOLDERS = "lnynynny"  # an award: its coordinators, its grantee and staff
AWARD_MANAGERS = "lnynfnny"  # the grantee sees the award but does not manage it
PUBLIC_READ = "yy"  # the public project's page, read by the anonymous visitor and the outsider


def code(t):
    return {"code": t.project.code}


def upload_pdf(t, world):
    return {"file": SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf"), "kind": "minutes"}


PAGES = [
    Row("healthz", expect={"GET": EVERYONE}, tenant_scoped=False),
    Row("home", expect={"GET": EVERYONE, "POST": EVERYONE}, tenant_scoped=False),
    Row("set_language", expect={"POST": EVERYONE}, tenant_scoped=False, body=lambda t, w: {"language": "mk"}),
    Row("accounts:login", expect={"GET": EVERYONE, "POST": EVERYONE}, tenant_scoped=False),
    Row("accounts:logout", expect={"POST": EVERYONE}, tenant_scoped=False),
    # --- projects
    Row(
        "projects:list",
        expect={"GET": EVERYONE},
        tenant_scoped=False,
        listed=lambda t: t.project.get_absolute_url(),
        listed_to="--yyyy-y",
    ),
    Row("projects:create", expect={"GET": "lyyffffy", "POST": "lyyffffy"}, tenant_scoped=False),
    Row("projects:organisation-create", expect={"GET": "lyyffffy", "POST": "lyyffffy"}, tenant_scoped=False),
    Row("projects:detail", code, {"GET": PROJECT_READERS}, public=PUBLIC_READ),
    Row("projects:edit", code, {"GET": COORDINATORS, "POST": COORDINATORS}),
    *(
        Row(
            "projects:section",
            lambda t, section=section: {"code": t.project.code, "section": section},
            {"GET": COORDINATORS, "POST": COORDINATORS},
            label=section,
        )
        for section in ("partners", "funding", "budget", "expenditures", "objectives", "target-groups", "results")
    ),
    # --- forums
    Row(
        "forums:my-sessions",
        expect={"GET": SIGNED_IN},
        tenant_scoped=False,
        listed=lambda t: t.session.get_absolute_url(),
        listed_to="--yyyy-y",
    ),
    Row("forums:my-calendar", expect={"GET": SIGNED_IN}, tenant_scoped=False, query="?month=2024-06"),
    Row(
        "forums:project-sessions",
        code,
        {"GET": PROJECT_READERS},
        public=PUBLIC_READ,
        listed=lambda t: t.session.get_absolute_url(),
        listed_to="--yyyy-y",
    ),
    Row("forums:project-calendar", code, {"GET": PROJECT_READERS}, public=PUBLIC_READ),
    Row("forums:session-log", code, {"GET": LOGGERS, "POST": LOGGERS}),
    Row("forums:attendance-check", code, {"POST": "lnyyyyny"}),
    Row(
        "forums:session",
        lambda t: {"code": t.project.code, "pk": t.session.pk},
        {"GET": PROJECT_READERS},
        public=PUBLIC_READ,
    ),
    Row(
        "forums:session-edit", lambda t: {"code": t.project.code, "pk": t.session.pk}, {"GET": LOGGERS, "POST": LOGGERS}
    ),
    Row(
        "forums:attachment-add",
        lambda t: {"code": t.project.code, "pk": t.session.pk},
        {"POST": LOGGERS},
        body=upload_pdf,
    ),
    Row(
        "forums:attachment-add",
        lambda t: {"code": t.project.code, "pk": t.session.pk},
        {"POST": LOGGERS},
        label="no file",
    ),
    Row(
        "forums:participant-add",
        lambda t: {"code": t.project.code, "pk": t.session.pk},
        {"POST": LOGGERS},
        body=lambda t, w: {"full_name": "Ana Stojanovska", "consent_given": "on"},
    ),
    Row(
        "forums:participant-add",
        lambda t: {"code": t.project.code, "pk": t.session.pk},
        {"POST": LOGGERS},
        label="invalid",
    ),
    Row("forums:participation", code, {"GET": PROJECT_READERS}, public=PUBLIC_READ),
    Row("forums:sign-in-sheet", lambda t: {"code": t.project.code, "pk": t.session.pk}, {"GET": LOGGERS}),
    # The feedback form is reached by its unguessable link, handed out on paper: no account, no tenant.
    Row(
        "forums:feedback",
        lambda t: {"token": t.session.feedback_token},
        {"GET": EVERYONE, "POST": EVERYONE},
        tenant_scoped=False,
    ),
    Row(
        "forums:feedback-thanks", lambda t: {"token": t.session.feedback_token}, {"GET": EVERYONE}, tenant_scoped=False
    ),
    Row("forums:feedback-list", code, {"GET": "lnyyfyny"}),
    Row(
        "forums:feedback-moderate",
        lambda t: {"code": t.project.code, "pk": t.feedback.pk},
        {"POST": "lnyfffny"},
        body=lambda t, w: {"decision": "approve"},
    ),
    # --- grants
    Row("grants:project-calls", code, {"GET": PROJECT_READERS}, public=PUBLIC_READ),
    Row(
        "grants:my-proposals",
        expect={"GET": SIGNED_IN},
        tenant_scoped=False,
        listed=lambda t: reverse("grants:proposal", args=[t.submitted.pk]),
        listed_to="--yyyy-y",
    ),
    Row("grants:proposal", lambda t: {"pk": t.submitted.pk}, {"GET": "lnyyyyny"}, label="submitted"),
    Row("grants:proposal", lambda t: {"pk": t.draft.pk}, {"GET": "lnnnynny"}, label="draft"),
    Row("grants:proposal", lambda t: {"pk": t.review.proposal.pk}, {"GET": "lnyynyyy"}, label="in review"),
    Row("grants:apply", lambda t: {"pk": t.call.pk}, {"GET": "lnffyfnf", "POST": "lnffyfnf"}),
    *(
        Row(
            "grants:proposal-edit",
            lambda t, step=step: {"pk": t.draft.pk, "step": step},
            {"GET": APPLICANT, "POST": APPLICANT} if step != "submit" else {"GET": APPLICANT},
            label=step,
        )
        for step in ("about", "budget", "attachments", "submit")  # the submit step's button posts to proposal-submit
    ),
    Row("grants:proposal-budget-totals", lambda t: {"pk": t.draft.pk}, {"POST": APPLICANT}),
    Row("grants:proposal-submit", lambda t: {"pk": t.draft.pk}, {"POST": APPLICANT}),
    Row("grants:proposal-withdraw", lambda t: {"pk": t.submitted.pk}, {"POST": "lnffyfnf"}),
    Row(
        "grants:proposal-attachment",
        lambda t: {"pk": t.draft.pk, "attachment_pk": t.proposal_attachment.pk},
        {"GET": "lnnnynny"},
    ),
    Row(
        "grants:proposal-attachment-remove",
        lambda t: {"pk": t.draft.pk, "attachment_pk": t.proposal_attachment.pk},
        {"POST": APPLICANT},
        # Removing is idempotent (a double click): an id that is not the draft's own is "removed already",
        # the same answer as for one never issued, so it reveals nothing, and it changes nothing.
        crossed={"ngo_coordinator": "y"},
    ),
    Row("grants:my-grants", expect={"GET": SIGNED_IN}, tenant_scoped=False),
    Row("grants:award-report", lambda t: {"pk": t.award.pk}, {"GET": "lnfnynnf", "POST": "lnfnynnf"}),
    Row("grants:call-create", code, {"GET": COORDINATORS, "POST": COORDINATORS}),
    Row("grants:rubric-check", code, {"POST": COORDINATORS}),
    Row("grants:call", lambda t: {"pk": t.call.pk}, {"GET": COORDINATORS}),
    Row("grants:call-edit", lambda t: {"pk": t.call.pk}, {"GET": COORDINATORS, "POST": COORDINATORS}),
    Row("grants:call-open", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:call-close", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:review-start", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:proposal-screen", lambda t: {"pk": t.submitted.pk}, {"GET": COORDINATORS, "POST": COORDINATORS}),
    Row("grants:review-board", lambda t: {"pk": t.call.pk}, {"GET": COORDINATORS}),
    Row("grants:review-assign", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:shortlist", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:my-reviews", expect={"GET": SIGNED_IN}, tenant_scoped=False),
    Row("grants:review", lambda t: {"pk": t.review.pk}, {"GET": "lnnnnnyn", "POST": "lnnnnnyn"}),
    Row("grants:review-declare", lambda t: {"pk": t.review.pk}, {"POST": "lnnnnnyn"}),
    Row("grants:selection", lambda t: {"pk": t.call.pk}, {"GET": COORDINATORS}),
    Row("grants:selection-tally", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:selection-decide", lambda t: {"pk": t.call.pk}, {"POST": COORDINATORS}),
    Row("grants:award-create", lambda t: {"pk": t.submitted.pk}, {"GET": COORDINATORS, "POST": COORDINATORS}),
    Row("grants:award", lambda t: {"pk": t.award.pk}, {"GET": GRANT_HOLDERS}),
    Row("grants:tranche-add", lambda t: {"pk": t.award.pk}, {"POST": AWARD_MANAGERS}),
    Row("grants:tranche-pay", lambda t: {"pk": t.award.pk, "tranche_pk": t.tranche.pk}, {"POST": AWARD_MANAGERS}),
    Row(
        "grants:report-review",
        lambda t: {"pk": t.award.pk, "report_pk": t.monitoring_report.pk},
        {"POST": AWARD_MANAGERS},
    ),
    Row("grants:award-complete", lambda t: {"pk": t.award.pk}, {"POST": AWARD_MANAGERS}),
    Row("grants:report-photo", lambda t: {"pk": t.photo.pk}, {"GET": GRANT_HOLDERS}),
    Row("grants:project-awards", code, {"GET": COORDINATORS}),
    # --- the audit trail
    Row("audit:project-history", code, {"GET": "nnyfffny"}),
    # --- reports and open data
    Row("reports:project-reports", code, {"GET": REPORTERS, "POST": REPORTERS}),
    # The world's projects lack what a valid IATI activity needs: those allowed hear why (409).
    Row("reports:project-iati", code, {"GET": "lncffcnc"}),
    Row("reports:status", lambda t: {"pk": t.report.pk}, {"GET": REPORT_READERS}),
    Row("reports:download", lambda t: {"pk": t.report.pk}, {"GET": REPORT_READERS}),
    Row("reports:project-exports", code, {"GET": PROJECT_READERS, "POST": "lnyyyyny"}, public=PUBLIC_READ),
    *(
        Row(
            "reports:export-dataset",
            code,
            {"GET": expect},
            label=dataset,
            query=f"?dataset={dataset}&file_format=csv&language=en",
            public=public,
        )
        for dataset, expect, public in (
            ("sessions", PROJECT_READERS, PUBLIC_READ),
            ("funding", PROJECT_READERS, PUBLIC_READ),
            ("proposals", PROJECT_READERS, "ff"),
            ("awards", "nnyfyfny", "ff"),
        )
    ),
    Row("reports:export-dictionary", code, {"GET": PROJECT_READERS}, query="?dataset=sessions&language=en"),
    # The coordinator's own export: its rows are what the coordinator may see, so it is theirs alone.
    Row("reports:export-status", lambda t: {"pk": t.export.pk}, {"GET": "lnynnnny"}),
    Row("reports:export-download", lambda t: {"pk": t.export.pk}, {"GET": "lnynnnny"}),
]


def url_of(row: Row, tenant, kwargs: dict | None = None) -> str:
    if kwargs is None and row.args:
        kwargs = row.args(tenant)
    with translation.override("en"):
        return reverse(row.name, kwargs=kwargs) + row.query


def send(client, method: str, url: str, body: dict | None):
    return client.get(url) if method == "GET" else client.post(url, body or {})


def request_and_judge(client_for, world, row, method, role, tenant, expected, url=None, must_not_change=False):
    body = row.body(tenant, world) if row.body else None
    client, url = client_for(role), url or url_of(row, tenant)
    return judged(lambda: send(client, method, url, body), method, expected, must_not_change=must_not_change)


@pytest.mark.parametrize(("row", "method", "role"), cases(PAGES))
def test_page(client_for, world, row, method, role):
    expected = row.expect[method][ROLES.index(role)]
    response = request_and_judge(client_for, world, row, method, role, world.mine, expected)
    if row.listed and method == "GET":
        shown = f'"{row.listed(world.mine)}' in response.content.decode()
        assert shown is (row.listed_to[ROLES.index(role)] == "y")


@pytest.mark.parametrize(
    ("row", "method", "role"), cases(PAGES, TENANT_ROLES, keep=lambda row: row.tenant_scoped and row.args)
)
def test_another_tenants_page_is_not_found(client_for, world, row, method, role):
    request_and_judge(client_for, world, row, method, role, world.other, "n")


@pytest.mark.parametrize(("row", "method", "role"), cases(PAGES, (*TENANT_ROLES, "staff"), keep=lambda row: row.nests))
def test_own_outer_object_with_another_tenants_inner_one_is_not_found(client_for, world, row, method, role):
    """The project's own code (or proposal, award) in the path does not open another tenant's object: not even
    for staff, who may read both, since that object is not part of this one."""
    url = url_of(row, world.mine, row.crossed_args(world.mine, world.other))
    expected = row.crossed_expectation(method, role)
    request_and_judge(client_for, world, row, method, role, world.mine, expected, url=url, must_not_change=True)


def test_lists_never_show_another_tenants_objects(client_for, world):
    for row in PAGES:
        if not row.listed:
            continue
        for role in TENANT_ROLES:
            content = client_for(role).get(url_of(row, world.mine)).content.decode()
            assert f'"{row.listed(world.other)}' not in content, (row.key, role)


PUBLIC = [pytest.param(row, role, id=f"{row.key}-{role}") for row in PAGES if row.public for role in PUBLIC_VISITORS]


@pytest.mark.parametrize(("row", "role"), PUBLIC)
def test_public_project_page(client_for, world, row, role):
    expected = row.public[PUBLIC_VISITORS.index(role)]
    request_and_judge(client_for, world, row, "GET", role, world.public, expected)


# --- Every page is in the matrix --------------------------------------------------------------------


def page_patterns(resolver=None, namespace=""):
    """(name, view) of every named page URL outside the API and the admin, i18n prefixes included."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or str(pattern.pattern).startswith("api/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from page_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and not str(pattern.pattern).startswith("api/"):
            yield f"{namespace}{pattern.name}", pattern.callback


# Function views, by name: the methods they act on.
FUNCTION_VIEWS = {
    "healthz": {"GET"},
    "set_language": {"POST"},  # Django's: changes the language on POST, redirects otherwise
    "proposal_edit": {"GET", "POST"},  # hands each step to the step's own view
}


def answered_methods(view) -> set[str]:
    """The methods a page's view implements. PUT, PATCH and DELETE count only where the project defines
    them: Django's generic views answer them as they answer GET or POST (redirects, ``FormView.put``)."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return FUNCTION_VIEWS[view.__name__]
    return {
        method.upper()
        for method in ("get", "post", "put", "patch", "delete")
        if method in view_class.http_method_names
        and hasattr(view_class, method)
        and (method in ("get", "post") or not getattr(view_class, method).__module__.startswith("django."))
    }


def test_every_page_and_method_is_in_the_matrix():
    in_resolver = {}
    for name, view in page_patterns():
        in_resolver.setdefault(name, set()).update(answered_methods(view))
    in_matrix = {}
    for row in PAGES:
        in_matrix.setdefault(row.name, set()).update(row.expect)
    assert in_matrix == in_resolver


def admin_pages() -> list[str]:
    """The admin's index and every registered model's list and add pages."""
    from django.contrib import admin

    with translation.override("en"):
        return [reverse("admin:index")] + [
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
            for model in admin.site._registry
            for page in ("changelist", "add")
        ]


# Admin pages platform staff reach without any model permission: the rules of the portal are named like
# Django's model permissions (``projects.add_project``, ``projects.change_project``,
# ``projects.add_organisation``, ``grants.view_proposal``) and grant them to platform staff, so the admin,
# asking the same backend, opens these pages to them as the portal's own pages do.
STAFF_ADMIN_PAGES = {
    "/en/admin/",
    "/en/admin/projects/project/",
    "/en/admin/projects/project/add/",
    "/en/admin/projects/organisation/add/",
    "/en/admin/grants/proposal/",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_staff_only(client_for, world, role):
    """The admin is outside the matrix: it checks Django's model permissions itself. Everyone but staff is
    sent to its login page; staff without model permissions (the matrix's) reach only what the rules give."""
    client = client_for(role)
    for url in admin_pages():
        response = client.get(url)
        if role != "staff":
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (url, response.status_code)
        else:
            assert response.status_code == (200 if url in STAFF_ADMIN_PAGES else 403), (url, response.status_code)


def test_the_snapshot_sees_a_changed_row_and_a_new_one(world):
    """The guard of every refused write can fail: an edited row and an added one both show."""
    from projects.models import Objective

    before = snapshot()
    Objective.objects.filter(pk=world.mine.objective.pk).update(text_en="Changed.")
    assert changed_tables(before, snapshot()) == ["projects_objective"]
    before = snapshot()
    Objective.objects.create(project=world.mine.project, text_en="Another objective.")
    assert changed_tables(before, snapshot()) == ["projects_objective"]
