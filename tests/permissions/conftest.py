"""The matrix's world, built once per module inside a transaction that is rolled back at its end; each test
runs in a savepoint of its own, so an allowed write is undone before the next request."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from .world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits count in the cache: a matrix of hundreds of requests must not run into them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_for(db, world):
    """A test client signed in as the matrix's user of a role (none for the anonymous visitor)."""

    def client(role: str) -> Client:
        browser = Client()
        user = world.users[role]
        if user.is_authenticated:
            browser.force_login(user)
        return browser

    return client
