"""Format checks used by the forms."""

from __future__ import annotations

import pytest

from formsvc.forms.validators import is_credit_code, is_phone, is_resident_id


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "0123-6612345", "01236612345",
                                   "010-12345678", "0755-1234567", "138 1234 5678"])
def test_phones_accepted(value: str) -> None:
    assert is_phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "6612345",
                                   "123-45678901", "0123-66123", "abc"])
def test_phones_rejected(value: str) -> None:
    assert not is_phone(value)


def test_resident_id_checksum() -> None:
    assert is_resident_id("11010519491231002X")
    assert is_resident_id("11010519491231002x")
    assert not is_resident_id("110105194912310021")  # wrong check digit
    assert not is_resident_id("110105194913310028")  # month 13
    assert not is_resident_id("1101051949123100")


def test_credit_code_checksum() -> None:
    assert is_credit_code("91350100M000100Y43")
    assert not is_credit_code("91350100M000100Y44")
    assert not is_credit_code("91350100M000100Y4")
    assert not is_credit_code("91350100I000100Y43")  # I is not in the alphabet
