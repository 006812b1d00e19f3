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


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("请联系13812345678处理", "请联系138****5678处理"),
        ("手机 138 1234 5678，座机0371-23456789", "手机 138****5678，座机037****6789"),
        ("户主身份证410202199001011234，旧证410202900101123", "户主身份证410202********1234，旧证410202*****1123"),
        ("身份证41020219900101123X", "身份证410202********123X"),
        ("车牌豫B·12345违停", "车牌豫B·***45违停"),
        ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
        # codes and times are no personal data: a grid code (14 digits), a camera code (20), a date
        ("网格41020400200101，点位41020099991310000001，2026-10-01 08:00:00", None),
        ("", None),
        (None, None),
    ],
)
def test_personal_data_typed_into_free_text_is_masked(text, scrubbed):
    from connectors.common.personal import scrub_text

    assert scrub_text(text) == (text if scrubbed is None else scrubbed)


def test_a_column_the_schema_does_not_have_lands_as_a_pseudonym():
    from connectors.common.personal import Pseudonymizer, protect

    pseudo = Pseudonymizer("a-key-of-enough-length-01234")
    row = {"信访件编号": "XF1", "内容摘要": "电话13812345678", "信访人住址": "开封市某路1号"}
    out = protect(row, pseudo, {}, free_text=("内容摘要",), known=("信访件编号", "内容摘要"))
    assert out == {
        "信访件编号": "XF1",
        "内容摘要": "电话138****5678",
        "信访人住址_key": pseudo.key("unknown", "开封市某路1号"),
        "信访人住址_masked": "***",
    }


def test_a_column_at_a_time_is_a_row_at_a_time():
    from connectors.common.personal import protect, protect_columns

    pseudo = Pseudonymizer("k" * 32)
    names = ["id", "xm", "sfzh", "note", "extra"]
    rows = [
        (1, "张伟", "11010519491231002X", "电话13812345678", "x"),
        (2, "张伟", "110105491231002", "无", None),
        (3, None, " 11010519491231002x ", None, "y"),
        (4, "李 娜", "１１0105194912310021", "邮箱 a.b@example.com", ""),
    ]
    personal = {"xm": "name", "sfzh": "id_number"}
    out_names, out_rows = protect_columns(names, rows, pseudo, personal, ("note",), known=("id", "xm", "sfzh", "note"))
    by_row = [protect(dict(zip(names, r)), pseudo, personal, ("note",), ("id", "xm", "sfzh", "note")) for r in rows]
    assert [dict(zip(out_names, r)) for r in out_rows] == by_row
    assert out_names == [
        "id",
        "xm_key",
        "xm_masked",
        "sfzh_check",
        "sfzh_key",
        "sfzh_masked",
        "note",
        "extra_key",
        "extra_masked",
    ]
    assert [r[3] for r in out_rows] == ["valid", "legacy_15", "valid", "bad_check_digit"]
    assert pseudo.keys("name", ["张伟", "张伟", None, 7]) == [pseudo.key("name", "张伟")] * 2 + [
        None,
        pseudo.key("name", 7),
    ]


def test_a_column_of_pseudonyms_is_each_value_s():
    pseudo = Pseudonymizer("k" * 32)
    values = ["豫B·12345", "豫b12345", " ", "", None, "ｚｈａｎｇ　san", "a\0b", 410202, "ß-weg", "豫B·12345"]
    assert pseudo.keys("plate", values) == [pseudo.key("plate", v) for v in values]
    assert pseudo.keys("plate", values[:1]) == [pseudo.key("plate", values[0])]  # known from the call before
    without_nul = [v for v in values if v != "a\0b"]  # normalized in one pass
    assert Pseudonymizer("k" * 32).keys("plate", without_nul) == [pseudo.key("plate", v) for v in without_nul]
