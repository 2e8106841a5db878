"""Fixtures of the workbench tests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.fixture
def wbapp(app: Flask) -> Flask:
    """The app (create_app wires the workbench; the shared teardown empties its tables)."""
    return app


@pytest.fixture
def wbclient(wbapp: Flask) -> FlaskClient:
    return wbapp.test_client()
