"""The permission matrix of every API operation in the OpenAPI schema × each role. Conventions in
``matrix.py``.

Bodies: a create sends the representation of the tenant's existing object of the kind (what the API
itself answers to staff, id dropped), so a refused user is refused for who they are, not for a bad body;
an update sends the object's own representation. Workflow steps send a small valid body. An allowed
write may still answer 400 or 409 (a duplicate, a step the object's state does not allow): the
permission check passed.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from .matrix import Row, cases, judged
from .world import PDF, PUBLIC_VISITORS, ROLES, TENANT_ROLES, a_day

pytestmark = pytest.mark.django_db

# Columns:      A O C M N D R S  (anonymous outsider coordinator municipal_staff ngo_coordinator donor reviewer staff)
ALL = "yyyyyyyy"
READERS = "nnyyyyny"  # whoever may read the private project's object
COORDINATE = "unyfffny"  # writes on an object the coordinators (and staff) manage
CREATE_PART = "ueyfffey"  # creates in the project, for coordinators and staff
LISTED_TO_READERS = "--yyyy-y"
PUBLIC_READ = "yy"  # the public project's object, read by the anonymous visitor and the outsider

# What makes a created row new where the copied one would be a duplicate (checked before permissions).
NEW_ROW = {"/api/v1/partners/": {"organisation": lambda t: t.organisation.pk}}
PART_KINDS = {
    "/api/v1/partners/": "partner",
    "/api/v1/funding-contributions/": "contribution",
    "/api/v1/objectives/": "objective",
    "/api/v1/target-groups/": "target_group",
    "/api/v1/results/": "result",
    "/api/v1/activities/": "activity",
    "/api/v1/budget-lines/": "budget_line",
    "/api/v1/expenditures/": "expenditure",
}


def of(attribute):
    """Path parameters naming the tenant's object ``attribute`` (a dotted path)."""

    def args(t):
        return {"id": _attr(t, attribute).pk}

    return args


def detail_rows(collection: str, attribute: str, *, get: str, write: str | None, methods=("PUT", "PATCH", "DELETE")):
    """An object's read (public where the project is published) and, if it has any, its writes."""
    detail = collection + "{id}/"
    rows = [Row(detail, of(attribute), {"GET": get}, public=PUBLIC_READ)]
    if write:
        rows.append(
            Row(
                detail,
                of(attribute),
                dict.fromkeys(methods, write),
                label="write",
                body=lambda t, w, a=attribute: _own_representation(t, w, detail, a),
            )
        )
    return rows


def _own_representation(t, world, detail, attribute):
    """The object as the API shows it to staff, without its id: a body no permission check can blame."""
    staff = Client()
    staff.force_login(world.users["staff"])
    data = staff.get(detail.replace("{id}", str(_attr(t, attribute).pk))).json()
    data.pop("id", None)
    return data


def created_like(collection: str, attribute: str, **changes):
    """A create's body: the representation of the tenant's object ``attribute`` with ``changes``."""

    def body(t, world):
        data = _own_representation(t, world, collection + "{id}/", attribute)
        return {**data, **{key: value(t) if callable(value) else value for key, value in changes.items()}}

    return body


def list_row(collection: str, attribute: str, listed_to: str, create=None, body=None, get=ALL, **fields):
    expect = {"GET": get}
    if create:
        expect["POST"] = create
    return Row(
        collection,
        expect=expect,
        tenant_scoped=False,
        listed=lambda t: _attr(t, attribute).pk,
        listed_to=listed_to,
        body=body or created_like(collection, attribute),
        **fields,
    )


def _attr(t, attribute):
    obj = t
    for name in attribute.split("."):
        obj = getattr(obj, name)
    return obj


API = [
    # --- the project registry
    list_row(
        "/api/v1/projects/",
        "project",
        LISTED_TO_READERS,
        create="uyyffffy",  # coordinators of any project may start another
        body=created_like("/api/v1/projects/", "project", code="MATRIX-NEW"),
    ),
    *detail_rows("/api/v1/projects/", "project", get=READERS, write=COORDINATE, methods=("PUT", "PATCH")),
    *(
        row
        for collection, attribute in PART_KINDS.items()
        for row in (
            list_row(
                collection,
                attribute,
                LISTED_TO_READERS,
                create=CREATE_PART,
                body=created_like(collection, attribute, **NEW_ROW.get(collection, {})),
            ),
            *detail_rows(collection, attribute, get=READERS, write=COORDINATE),
        )
    ),
    Row("/api/v1/projects/{id}/participation/", of("project"), {"GET": READERS}, public=PUBLIC_READ),
    Row("/api/v1/projects/{id}/summary/", of("project"), {"GET": READERS}, public=PUBLIC_READ),
    Row("/api/v1/municipalities/", expect={"GET": ALL}, tenant_scoped=False),
    Row("/api/v1/municipalities/{id}/", of("municipality"), {"GET": ALL}, tenant_scoped=False),
    Row(
        "/api/v1/organisations/",
        expect={"GET": ALL, "POST": "uyyffffy"},
        tenant_scoped=False,
        body=lambda t, w: {"name_en": "Matrix NGO", "kind": "ngo"},
    ),
    Row("/api/v1/organisations/{id}/", of("organisation"), {"GET": ALL}, tenant_scoped=False),
    Row("/api/v1/vulnerable-groups/", expect={"GET": ALL}, tenant_scoped=False),
    Row(
        "/api/v1/vulnerable-groups/{id}/", lambda t: {"id": _any_vulnerable_group()}, {"GET": ALL}, tenant_scoped=False
    ),
    Row(
        "/api/v1/auth/token/",
        expect={"POST": ALL},
        tenant_scoped=False,
        body=lambda t, w: {"username": "nobody@example.org", "password": "wrong"},
    ),
    # --- forums
    list_row("/api/v1/sessions/", "session", LISTED_TO_READERS, create="ueyyffey"),
    *detail_rows("/api/v1/sessions/", "session", get=READERS, write="unyyffny", methods=("PUT", "PATCH")),
    # --- grants
    list_row("/api/v1/calls/", "call", LISTED_TO_READERS, create=CREATE_PART),
    *detail_rows("/api/v1/calls/", "call", get=READERS, write=COORDINATE, methods=("PUT", "PATCH")),
    Row("/api/v1/calls/{id}/figures/", of("call"), {"GET": READERS}, public=PUBLIC_READ),
    *(
        Row(f"/api/v1/calls/{{id}}/{step}/", of("call"), {"POST": COORDINATE}, body=body)
        for step, body in (
            ("open", None),
            ("close", None),
            ("start-review", None),
            ("decide", lambda t, w: {}),
            ("shortlist", lambda t, w: {"proposals": [t.submitted.pk]}),
            ("tally", lambda t, w: {"session": t.session.pk, "votes": {str(t.submitted.pk): 3}}),
        )
    ),
    list_row(
        "/api/v1/proposals/",
        "submitted",
        LISTED_TO_READERS,
        create="ueffyfef",  # only an NGO coordinator applies, for their own organisation
        body=created_like("/api/v1/proposals/", "draft"),
    ),
    # A published project's proposals are still read only by its people.
    Row("/api/v1/proposals/{id}/", of("submitted"), {"GET": "nnyyyyny"}, label="submitted", public="nn"),
    Row("/api/v1/proposals/{id}/", of("draft"), {"GET": "nnnnynny"}, label="draft"),
    Row(
        "/api/v1/proposals/{id}/",
        of("draft"),
        {"PUT": "unnnynnf", "PATCH": "unnnynnf"},
        label="draft write",
        body=lambda t, w: _own_representation(t, w, "/api/v1/proposals/{id}/", "draft"),
    ),
    Row("/api/v1/proposals/{id}/submit/", of("draft"), {"POST": "unnnynnf"}),
    Row("/api/v1/proposals/{id}/withdraw/", of("submitted"), {"POST": "unffyfnf"}),
    Row("/api/v1/proposals/{id}/screen/", of("submitted"), {"POST": COORDINATE}, body=lambda t, w: {"answers": []}),
    Row(
        "/api/v1/proposals/{id}/award/",
        of("submitted"),
        {"POST": COORDINATE},
        body=lambda t, w: {
            "amount": "1000.00",
            "signed_on": a_day(),
            "starts_on": a_day(1),
            "ends_on": a_day(300),
            "final_report_due_on": a_day(330),
        },
    ),
    Row(
        "/api/v1/proposals/{id}/attachments/",
        of("draft"),
        {"POST": "unnnynnf"},
        body=lambda t, w: {"file": SimpleUploadedFile("quote.pdf", PDF, content_type="application/pdf")},
    ),
    Row(
        "/api/v1/proposals/{id}/attachments/{attachment_pk}/",
        lambda t: {"id": t.draft.pk, "attachment_pk": t.proposal_attachment.pk},
        {"GET": "nnnnynny", "DELETE": "unnnynnf"},
    ),
    list_row(
        "/api/v1/reviews/",
        "review",
        "--y---yy",
        # The NGO coordinator cannot see another organisation's proposal in review: it is unknown (400).
        create="ueyfeffy",
        body=lambda t, w: {"proposal": t.review.proposal.pk, "reviewer": w.users["donor"].pk},
    ),
    Row("/api/v1/reviews/{id}/", of("review"), {"GET": "nnynnnyy"}),
    Row("/api/v1/reviews/{id}/declare/", of("review"), {"POST": "unfnnnyf"}, body=lambda t, w: {"has_conflict": False}),
    Row("/api/v1/reviews/{id}/submit/", of("review"), {"POST": "unfnnnyf"}, body=lambda t, w: {"scores": []}),
    Row("/api/v1/awards/", expect={"GET": ALL}, tenant_scoped=False, listed=lambda t: t.award.pk, listed_to="--y-y--y"),
    Row("/api/v1/awards/{id}/", of("award"), {"GET": "nnynynny"}, public="nn"),
    Row(
        "/api/v1/awards/{id}/add-tranche/",
        of("award"),
        {"POST": "unynfnny"},
        body=lambda t, w: {"amount": "100.00", "planned_on": a_day(10)},
    ),
    Row(
        "/api/v1/awards/{id}/pay-tranche/",
        of("award"),
        {"POST": "unynfnny"},
        body=lambda t, w: {"tranche": t.tranche.pk, "paid_amount": "500.00", "paid_on": a_day(20)},
    ),
    Row(
        "/api/v1/awards/{id}/review-report/",
        of("award"),
        {"POST": "unynfnny"},
        body=lambda t, w: {"report": t.monitoring_report.pk, "approve": True},
    ),
    Row("/api/v1/awards/{id}/complete/", of("award"), {"POST": "unynfnny"}),
    Row("/api/v1/awards/{id}/report/", of("award"), {"POST": "unfnynnf"}, body=lambda t, w: {"progress": "Planted."}),
    Row(
        "/api/v1/awards/{id}/photos/{photo_pk}/",
        lambda t: {"id": t.award.pk, "photo_pk": t.photo.pk},
        {"GET": "nnynynny"},
    ),
    # --- reports and open data
    list_row(
        "/api/v1/reports/",
        "report",
        "--y--y-y",
        get="uyyyyyyy",  # requests and exports need an account even to list nothing
        create="ueyffyey",
        body=lambda t, w: {"project": t.project.pk, "kind": "executive_summary", "language": "en"},
    ),
    Row("/api/v1/reports/{id}/", of("report"), {"GET": "unynnyny"}),
    Row("/api/v1/reports/{id}/download/", of("report"), {"GET": "unynnyny"}),
    list_row(
        "/api/v1/exports/",
        "export",
        "--y----y",  # an export is its requester's (the coordinator's) alone
        get="uyyyyyyy",
        create="ueyyyyey",
        body=lambda t, w: {"project": t.project.pk, "dataset": "sessions", "file_format": "csv", "language": "en"},
    ),
    Row("/api/v1/exports/{id}/", of("export"), {"GET": "unynnnny"}),
    Row("/api/v1/exports/{id}/download/", of("export"), {"GET": "unynnnny"}),
    # The world's projects lack what a valid IATI activity needs: those allowed hear why (409).
    Row("/api/v1/iati/", expect={"GET": "uncffcnc"}, query="?project={project}"),
]


def _any_vulnerable_group():
    from tests.forums.factories import VulnerableGroupFactory

    return VulnerableGroupFactory().pk


PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


def url_of(row: Row, tenant, args: dict | None = None) -> str:
    if args is None:
        args = row.args(tenant) if row.args else {}
    path = PATH_PARAMETER.sub(lambda match: str(args[match.group(1)]), row.name)
    return path + row.query.format(project=tenant.project.pk)


def send(client, method, url, body):
    if body is None:
        return client.generic(method, url)
    if any(hasattr(value, "read") for value in body.values()):
        return client.post(url, body)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def request_and_judge(client_for, world, row, method, role, tenant, expected, url=None, must_not_change=False):
    body = row.body(tenant, world) if row.body and method != "GET" else None
    client, url = client_for(role), url or url_of(row, tenant)
    return judged(lambda: send(client, method, url, body), method, expected, must_not_change=must_not_change)


def listed_ids(response) -> set[int]:
    data = response.json()
    return {item["id"] for item in (data["results"] if isinstance(data, dict) else data)}


@pytest.mark.parametrize(("row", "method", "role"), cases(API))
def test_operation(client_for, world, row, method, role):
    expected = row.expect[method][ROLES.index(role)]
    response = request_and_judge(client_for, world, row, method, role, world.mine, expected)
    if row.listed and method == "GET" and response.status_code == 200:
        assert (row.listed(world.mine) in listed_ids(response)) is (row.listed_to[ROLES.index(role)] == "y")


@pytest.mark.parametrize(
    ("row", "method", "role"),
    cases(API, TENANT_ROLES, keep=lambda row: row.tenant_scoped and (row.args or "{project}" in row.query)),
)
def test_another_tenants_object_is_not_found(client_for, world, row, method, role):
    request_and_judge(client_for, world, row, method, role, world.other, "n")


@pytest.mark.parametrize(("row", "method", "role"), cases(API, (*TENANT_ROLES, "staff"), keep=lambda row: row.nests))
def test_own_outer_object_with_another_tenants_inner_one_is_not_found(client_for, world, row, method, role):
    """A proposal's own id does not open another proposal's attachment, not even for staff."""
    url = url_of(row, world.mine, row.crossed_args(world.mine, world.other))
    expected = row.crossed_expectation(method, role)
    request_and_judge(client_for, world, row, method, role, world.mine, expected, url=url, must_not_change=True)


@pytest.mark.parametrize(
    ("row", "method", "role"),
    [
        case
        for case in cases(API, TENANT_ROLES, keep=lambda row: row.listed and row.name != "/api/v1/projects/")
        if case.values[1] == "POST"
    ],
)
def test_creating_in_another_tenants_project_is_refused(client_for, world, row, method, role):
    """The body names the other tenant's objects: they are unknown to this project's people."""
    request_and_judge(client_for, world, row, method, role, world.other, "e")


@pytest.mark.parametrize(
    ("row", "role"),
    [pytest.param(row, role, id=f"{row.key}-{role}") for row in API if row.public for role in PUBLIC_VISITORS],
)
def test_public_project_object(client_for, world, row, role):
    expected = row.public[PUBLIC_VISITORS.index(role)]
    request_and_judge(client_for, world, row, "GET", role, world.public, expected)


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_lists_never_show_another_tenants_objects(client_for, world, role):
    """Not unfiltered, and not when asked for them by the other project's id (an unknown choice: 400)."""
    client = client_for(role)
    for row in API:
        if not row.listed:
            continue
        assert row.listed(world.other) not in listed_ids(client.get(url_of(row, world.mine))), row.key
        filtered = client.get(url_of(row, world.mine), {"project": world.other.project.pk})
        assert filtered.status_code in {200, 400}, (row.key, filtered.status_code)
        if filtered.status_code == 200:
            assert row.listed(world.other) not in listed_ids(filtered), row.key


# --- Every operation is in the matrix ---------------------------------------------------------------


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(path, method.upper()) for path, operations in schema["paths"].items() for method in operations}


def test_every_operation_is_in_the_matrix():
    in_matrix = {(row.name, method) for row in API for method in row.expect}
    assert in_matrix == schema_operations()


REFUSED = {"f", "n", "u"}
# An upload is read first (its size and type checked as it arrives), so an oversized body is refused (413)
# before any object is looked up, whoever sends it.
UPLOADS = {"/api/v1/proposals/{id}/attachments/"}


@pytest.mark.parametrize(
    ("row", "method", "role"),
    [
        case
        for case in cases(API, keep=lambda row: row.args is not None and row.name not in UPLOADS)
        if case.values[1] != "GET" and case.values[0].expect[case.values[1]][ROLES.index(case.values[2])] in REFUSED
    ],
)
def test_a_refused_user_is_refused_whatever_the_body(client_for, world, row, method, role):
    """An empty body is refused for who sends it, not judged: what a user may not do never depends on what
    they send, and they learn nothing of the validation of an object they cannot change."""
    expected = row.expect[method][ROLES.index(role)]
    url = url_of(row, world.mine)
    client = client_for(role)
    judged(lambda: client.generic(method, url, "{}", content_type="application/json"), method, expected)
