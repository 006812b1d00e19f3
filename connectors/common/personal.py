"""Personal data at ingestion: keyed pseudonyms and masked display forms.

Resident ID numbers, names, phones, addresses of residents and petitioners, and plate
numbers never reach a table BI can read. Connectors replace them *before landing*: each
becomes a keyed pseudonym (HMAC-SHA256 with the key in ``GOVHUB_PSEUDONYM_KEY``; the same
value gives the same pseudonym in every source, so the same person or vehicle can be
followed across systems) and a masked display form. The raw values are not kept anywhere
in the platform; whoever needs them asks the source system. Free text (notes, findings,
summaries) is scrubbed of the ID numbers, phones, plates and e-mail addresses people type
into it (`scrub_text`), and a column a source's schema does not have lands pseudonymized.

The key can be rotated (`govhub keys rotate`, warehouse/rotation.py) without the raw values:
a pseudonym under a new key is the HMAC-SHA256, with the new key, of the pseudonym under
the key before it. Landing after a rotation goes through the same chain: the first key
(the oldest in ``GOVHUB_PSEUDONYM_RETIRED_KEYS``) makes the pseudonym of the value, each
later key re-keys it, ``GOVHUB_PSEUDONYM_KEY`` last. A pseudonym published under the
current key can then be tied to a guessed value only by whoever holds every key of the
chain, and the history keeps joining.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from operator import mul

from connectors.common.settings import STAND_IN_SECRET, problem, require_secret

PSEUDONYM_KEY_VARIABLE = "GOVHUB_PSEUDONYM_KEY"
# the keys before the current one, oldest first, comma-separated (after a rotation)
RETIRED_KEYS_VARIABLE = "GOVHUB_PSEUDONYM_RETIRED_KEYS"


KNOWN_PER_KIND = 1 << 18  # pseudonyms remembered per kind of value, at most
_SEPARATORS = re.compile(r"[\s·.\-]")


@lru_cache(maxsize=1 << 16)
def _normalize(value: str) -> str:
    """Full-width to half-width, no spaces or separators, upper case (豫B·12345 = 豫b12345)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def _normalize_all(texts: list[str]) -> list[str]:
    """`_normalize` of each text, in one pass over them all (joined by NUL, which no text
    holds, which normalization leaves alone and which parts the texts again)."""
    joined = "\0".join(texts)
    if len(texts) < 2 or joined.count("\0") != len(texts) - 1:
        return [_normalize(t) for t in texts]
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", joined)).upper().split("\0")


def key_id(key: str) -> str:
    """A name for a key that does not reveal it (16 hex characters): what the lake records
    of the keys its pseudonyms are made with, and what a rotation's messages show."""
    return hmac.new(key.encode("utf-8"), b"govhub pseudonym key id", hashlib.sha256).hexdigest()[:16]


def rekeyed(pseudonym: str, mac) -> str:
    """`pseudonym` re-keyed by `mac` (an HMAC-SHA256 of the new key, copied for each value)."""
    m = mac.copy()
    m.update(pseudonym.encode("ascii"))
    return m.hexdigest()


def key_mac(key: str):
    """The HMAC-SHA256 of `key`, pads computed once (copy it for each value)."""
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


class Pseudonymizer:
    def __init__(self, key: str, retired: tuple[str, ...] = ()) -> None:
        chain = []
        for k in (*retired, key):
            if len(k) < 16:
                which = PSEUDONYM_KEY_VARIABLE if k is key else f"each key of {RETIRED_KEYS_VARIABLE}"
                k = problem(f"{which} must be at least 16 characters", STAND_IN_SECRET)
            chain.append(k)
        # the first key's inner and outer pads, computed once; each pseudonym continues a copy,
        # and each later key of the chain re-keys it (see the module's docstring)
        self._mac = key_mac(chain[0])
        self._later = [key_mac(k) for k in chain[1:]]
        self.key_ids = tuple(key_id(k) for k in chain)  # oldest first
        self._known: dict[str, dict[str, str | None]] = {}  # kind -> text -> its pseudonym, this run

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Pseudonymizer:
        return cls(require_secret(PSEUDONYM_KEY_VARIABLE, env), retired_keys(env))

    def __repr__(self) -> str:
        return "Pseudonymizer(key=***)"

    def _chained(self, pseudonym: str) -> str:
        for mac in self._later:
            pseudonym = rekeyed(pseudonym, mac)
        return pseudonym

    def key(self, kind: str, value: str | None) -> str | None:
        """A stable pseudonym (64 hex characters) of `value` in the namespace `kind`."""
        if value is None or not str(value).strip():
            return None
        mac = self._mac.copy()
        mac.update(f"{kind}:{_normalize(value if type(value) is str else str(value))}".encode())
        return self._chained(mac.hexdigest())

    def keys(self, kind: str, values) -> list[str | None]:
        """`key` of each value, a column at a time: the texts not seen before in this run
        normalized together, then hashed (a plate parked again, a name in several rows, is
        not hashed again)."""
        values = list(values)
        known = self._known.setdefault(kind, {})
        if len(known) > KNOWN_PER_KIND:
            known.clear()
        out: list[str | None] = [None] * len(values)
        new = []
        for i, value in enumerate(values):
            if type(value) is not str:
                out[i] = self.key(kind, value)
            elif (pseudonym := known.get(value)) is not None:
                out[i] = pseudonym
            elif value.strip():
                new.append(i)
        texts = [values[i] for i in new]
        prefix, mac = f"{kind}:", self._mac
        for i, text, normal in zip(new, texts, _normalize_all(texts), strict=True):
            m = mac.copy()
            m.update((prefix + normal).encode())
            out[i] = known[text] = self._chained(m.hexdigest()) if self._later else m.hexdigest()
        return out


def retired_keys(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """GOVHUB_PSEUDONYM_RETIRED_KEYS: the keys before the current one, oldest first."""
    text = (os.environ if env is None else env).get(RETIRED_KEYS_VARIABLE, "")
    return tuple(k.strip() for k in text.split(",") if k.strip())


def mask_plate(plate: str | None) -> str | None:
    """豫B12345 -> 豫B·***45: province and city letter, the last two characters."""
    if not plate:
        return None
    p = _normalize(plate)
    return f"{p[:2]}·***{p[-2:]}" if len(p) >= 5 else "***"


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def mask_id_number(number: str | None) -> str | None:
    """410202199001011234 -> 410202********1234 (region code and last four kept)."""
    if not number:
        return None
    n = _normalize(number)
    return f"{n[:6]}{'*' * (len(n) - 10)}{n[-4:]}" if len(n) >= 11 else "*" * len(n)


def mask_name(name: str | None) -> str | None:
    """张伟 -> 张*: the first character kept."""
    if not name:
        return None
    return name[0] + "*" * (len(name) - 1)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ZEROS = 48 * sum(_WEIGHTS)


def _mask_whole(value: str | None) -> str | None:
    """*** for any value: nothing of it is shown."""
    return "***" if value else value


_MASKS = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": _mask_whole,
    "unknown": _mask_whole,  # a column the source's schema does not have
}


def id_number_check(value: str | None) -> str | None:
    """GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character; 15-digit numbers are
    the old first-generation form."""
    if value is None:
        return None
    v = value.strip().upper()
    if len(v) == 15 and v.isdecimal():  # a pattern's \d: any decimal digit
        return "legacy_15"
    if len(v) != 18 or not v[:17].isdecimal() or not (v[17] == "X" or v[17].isdecimal()):
        return "malformed"
    if v.isascii():  # the digits' bytes, less 48 times the weights' sum (48: the byte of 0)
        total = sum(map(mul, v[:17].encode(), _WEIGHTS)) - _ZEROS
    else:
        total = sum(map(mul, map(int, v[:17]), _WEIGHTS))
    return "valid" if "10X98765432"[total % 11] == v[17] else "bad_check_digit"


# Personal data typed into free text (notes, findings, summaries): a resident ID number
# (GB 11643: 18 characters, or the old 15 digits), a mobile or landline number, a plate,
# an e-mail address. Numbers inside longer runs of digits or letters (codes, ids) are not it.
_IN_TEXT = re.compile(
    r"(?P<id_number>(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z]))"
    r"|(?P<phone>(?<![0-9A-Za-z+])(?:\+?86[-\s]?)?(?:1[3-9]\d(?:[-\s]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z]))"
    r"|(?P<plate>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•\s]?[A-HJ-NP-Z0-9]{5,6})"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
)


def _mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


_TEXT_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "plate": mask_plate, "email": _mask_email}


_MAY_HOLD = re.compile(r"[\d@]")  # what _IN_TEXT finds holds a digit (a real plate has three or more) or an @


def scrub_text(text):
    """`text` with the personal data typed into it (ID numbers, phones, plates, e-mail
    addresses) replaced by their masked forms; anything not a string as it is."""
    if type(text) is not str or not _MAY_HOLD.search(text):
        return text
    return _IN_TEXT.sub(lambda m: _TEXT_MASKS[m.lastgroup](m.group()), text)


def protect_columns(
    names: list[str],
    rows: list[tuple],
    pseudo: Pseudonymizer,
    personal: dict[str, str],
    free_text: tuple[str, ...] = (),
    known: tuple[str, ...] | None = None,
) -> tuple[list[str], list[tuple]]:
    """Rows (tuples of the columns `names`) with each personal column (column -> kind: name,
    id_number, phone, address) replaced by <column>_key and <column>_masked; ID numbers also
    get <column>_check before them. The `free_text` columns are scrubbed (scrub_text). With
    `known` (the columns the source's schema has), any other column is personal data until
    proven otherwise: it lands as a pseudonym and a mask only (kind `unknown`). Done a column
    at a time; (the names out, the rows out)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    out_names: list[str] = []
    out: list = []
    for name, column in zip(names, columns, strict=True):
        kind = personal.get(name)
        if kind is None and known is not None and name not in known:
            kind = "unknown"
        if kind is None:
            out_names.append(name)
            out.append(list(map(scrub_text, column)) if name in free_text else column)
            continue
        if kind == "id_number":
            out_names.append(f"{name}_check")
            out.append(list(map(id_number_check, column)))
        out_names += [f"{name}_key", f"{name}_masked"]
        out += [pseudo.keys(kind, column), list(map(_MASKS[kind], column))]
    return out_names, list(zip(*out, strict=True)) if out else [()] * len(rows)


def protect(
    row: dict,
    pseudo: Pseudonymizer,
    personal: dict[str, str],
    free_text: tuple[str, ...] = (),
    known: tuple[str, ...] | None = None,
) -> dict:
    """One row (a dict) through `protect_columns`."""
    names, rows = protect_columns(list(row), [tuple(row.values())], pseudo, personal, free_text, known)
    return dict(zip(names, rows[0], strict=True))
