"""How the matrix tables are written and how a response is judged against them.

Each row gives, for one URL (and one object where a URL serves several kinds), one expectation string
per HTTP method with one letter per role, in the order of ``world.ROLES``:

    anonymous, outsider, coordinator, municipal_staff, ngo_coordinator, donor, reviewer, staff

    y  allowed. A read answers 200 (or redirects somewhere other than the login page); a write may
       answer anything but 401/403/404/405 or a server error: a 400 or 409 still means the
       permission check passed and the body (often minimal or empty on purpose) was judged.
    f  403: the user may see the object but not do this.
    n  404: the object does not exist for this user (another tenant's, or not theirs to see).
    l  302 to the login page (pages that need an account).
    u  the API's answer to a request without credentials: 401 or 403 (today 403, as DRF answers when
       its first authentication, the session's, sends no WWW-Authenticate challenge).
    e  400: the body names an object the user cannot see, which is as unknown as a missing one.
    x  403 or 404: refused either way (an outer object the role may not act on, an inner one of another
       tenant: the view may check either first).
    c  409: allowed, but the data cannot give what was asked (a project not yet valid as IATI).

A write whose expectation is not ``y`` must change nothing: every table's row count and checksum is
compared before and after (the session and login-throttling tables aside).

Besides each row × method × role on the private project, the tests ask:
- another tenant's object, by this project's people (coordinator, municipal staff, NGO coordinator,
  donor, reviewer): 404, and nothing changes; a create naming another tenant's project or call: 400;
- this project's outer object with another tenant's inner one (a session of the other project under
  this project's code, another proposal's attachment): 404, even for staff;
- the public project's objects, by the anonymous visitor and the outsider;
- lists: they show the tenant's object exactly to the roles that may read it, and never another tenant's;
- (API) a refused user sending an empty body is refused all the same, before the body is read;
- every page URL of the resolver and every operation of the OpenAPI schema has its row, and no row
  names one that is gone.

The world (``world.py``) is built once per module and rolled back at its end; each test runs in a
savepoint. Allowed writes send a minimal valid body where cheap (API creates copy an existing object's
representation); page forms mostly send an empty one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from unittest.mock import MagicMock

import pytest

from .world import ROLES, Tenant, World, changed_tables, snapshot

DENIED_WRITE = {401, 403, 404, 405}


@dataclass(frozen=True)
class Row:
    """One URL of the matrix (with one choice of objects) and what each role may do with it."""

    name: str  # the URL's name (pages: "namespace:name") or the API operation's path template
    args: Callable[[Tenant], dict] | None = None  # path parameters, from the tenant whose objects are used
    expect: dict[str, str] = field(default_factory=dict)  # method -> one letter per role
    label: str = ""  # tells rows of the same URL apart
    body: Callable[[Tenant, World], dict] | None = None  # what a write sends
    query: str = ""
    public: str = ""  # GET by (anonymous, outsider) of the public project's object
    listed: Callable[[Tenant], object] | None = None  # a list: the tenant object it must show only to readers
    listed_to: str = ""  # per role: "y" if the list shows the object of `listed` to that role
    tenant_scoped: bool = True  # the path names a tenant's object: another tenant's must be a 404
    crossed: dict[str, str] = field(default_factory=dict)  # exceptions to ``crossed_expectation``, by role

    def __post_init__(self):
        for method, letters in self.expect.items():
            assert len(letters) == len(ROLES), (self.name, method, letters)
        assert not self.listed_to or len(self.listed_to) == len(ROLES), self.name

    @property
    def key(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name

    @property
    def nests(self) -> bool:
        """The path names an object inside another (a project's session, a proposal's attachment)."""
        return self.tenant_scoped and self.args is not None and len(object_keys(self.args(MagicMock()))) > 1

    def crossed_args(self, own: Tenant, other: Tenant) -> dict:
        """The own tenant's outer object (the first one named) with the other tenant's inner ones."""
        own_args = self.args(own)
        outer = object_keys(own_args)[0]
        return {**self.args(other), outer: own_args[outer]}

    def crossed_expectation(self, method: str, role: str) -> str:
        """With another tenant's inner object: 404, or where the role may not act on the outer object at all,
        403 or 404 (whichever the view checks first)."""
        if role in self.crossed:
            return self.crossed[role]
        return "x" if self.expect[method][ROLES.index(role)] == "f" else "n"


def object_keys(args: dict) -> list[str]:
    """The path parameters that name an object (a project's code, ids), not a choice such as a step."""
    return [key for key in args if key == "code" or key == "id" or key.endswith("pk")]


def cases(rows: list[Row], roles=ROLES, keep=lambda row: True) -> list:
    """(row, method, role) for every expectation of every row kept, for each of ``roles``."""
    return [
        pytest.param(row, method, role, id=f"{row.key}-{method}-{role}")
        for row in rows
        if keep(row)
        for method in row.expect
        for role in roles
    ]


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def assert_outcome(response, expected: str, method: str) -> None:
    status = response.status_code
    detail = (status, response.get("Location", ""), b"" if response.streaming else response.content[:300])
    assert status < 500, detail
    if expected == "y":
        assert not is_login_redirect(response), detail
        if method == "GET":
            assert 200 <= status < 400, detail
        else:
            assert status not in DENIED_WRITE, detail
    elif expected == "f":
        assert status == 403, detail
    elif expected == "n":
        assert status == 404, detail
    elif expected == "l":
        assert is_login_redirect(response), detail
    elif expected == "u":
        assert status in {401, 403}, detail
    elif expected == "e":
        assert status == 400, detail
    elif expected == "x":
        assert status in {403, 404}, detail
    elif expected == "c":
        assert status == 409, detail
    else:
        raise AssertionError(f"unknown expectation {expected!r}")


def judged(send: Callable, method: str, expected: str, *, must_not_change: bool = False):
    """Send the request and judge its answer; a refused write (or one that ``must_not_change``) changes nothing."""
    before = snapshot() if method != "GET" and (expected != "y" or must_not_change) else None
    response = send()
    assert_outcome(response, expected, method)
    if before is not None:
        assert changed_tables(before, snapshot()) == [], "a refused write changed the database"
    return response
