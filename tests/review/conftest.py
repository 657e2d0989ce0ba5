"""The review suite reuses the records layer's fixtures (a real file, a settable clock, the CLI)."""

from tests.hall.conftest import clock, fresh_db, hall, make_hall, rules_file, store  # noqa: F401
