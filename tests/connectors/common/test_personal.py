"""Pseudonyms and masks of personal data."""

import pytest

from connectors.common.errors import ConfigError
from connectors.common.personal import Pseudonymizer, mask_id_number, mask_name, mask_phone, mask_plate

KEY = "k" * 32


def test_the_same_value_gets_the_same_pseudonym_whatever_its_spelling():
    p = Pseudonymizer(KEY)
    assert p.key("plate", "豫B12345") == p.key("plate", "豫b·12345") == p.key("plate", " 豫Ｂ12345 ")
    assert len(p.key("plate", "豫B12345")) == 64


def test_pseudonyms_depend_on_the_key_and_the_kind():
    a, b = Pseudonymizer(KEY), Pseudonymizer("z" * 32)
    assert a.key("plate", "豫B12345") != b.key("plate", "豫B12345")
    assert a.key("plate", "410202199001011234") != a.key("id_number", "410202199001011234")
    assert a.key("plate", None) is None and a.key("plate", "  ") is None


def test_the_key_is_required_and_never_shown():
    with pytest.raises(ConfigError, match="GOVHUB_PSEUDONYM_KEY"):
        Pseudonymizer.from_env({})
    with pytest.raises(ValueError, match="at least 16"):
        Pseudonymizer("short")
    assert KEY not in repr(Pseudonymizer(KEY))


def test_masks():
    assert mask_plate("豫B12345") == "豫B·***45"
    assert mask_plate("豫BD12345") == "豫B·***45"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("41020219900101123X") == "410202********123X"
    assert mask_name("欧阳娜娜") == "欧***"
