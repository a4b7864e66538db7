"""The campaign and coordinator of the import tests, over the directory of real units."""

from tests.campaigns.conftest import campaign, coordinator, directory  # noqa: F401
