"""Fixtures of the workbench tests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.formsvc.workbench.helpers import make_staff

# (username, role, department): every role, and departments with and without review
STAFF = (("disp", "dispatcher", ""), ("sup", "supervisor", ""), ("rsj_h", "handler", "rsj"),
         ("zjj_h", "handler", "zjj"), ("gaj_h", "handler", "gaj"), ("gaj_r", "reviewer", "gaj"),
         ("xzfb_h", "handler", "xzfb"))


@pytest.fixture
def wbapp(app: Flask) -> Flask:
    """The app (create_app wires the workbench; the shared teardown empties its tables)."""
    return app


@pytest.fixture
def wbclient(wbapp: Flask) -> FlaskClient:
    return wbapp.test_client()


@pytest.fixture
def staff(wbapp: Flask) -> Flask:
    """The app with the accounts of STAFF."""
    for username, role, dept in STAFF:
        make_staff(wbapp, username, role, dept)
    return wbapp
