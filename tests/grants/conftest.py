"""Fixtures shared by the grants tests."""

import pytest

from projects.models import Membership


@pytest.fixture
def applicant(cast):
    """The organisation the cast's NGO coordinator acts for."""
    return Membership.objects.get(user=cast.ngo_coordinator, role=Membership.Role.NGO_COORDINATOR).organisation
