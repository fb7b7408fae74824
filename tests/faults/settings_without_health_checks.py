"""Test settings with PostgreSQL connections reused unchecked: shows what ``CONN_HEALTH_CHECKS`` prevents."""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
