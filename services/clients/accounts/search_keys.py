"""What an account's ``q`` search matches: its names, their pinyin, their initials and its
credit code, kept in one lower-case column (``accounts.search_text``) under a trigram index.

People type 北京华信, ``beijing``, ``bjhx``, ``bj`` or the first digits of the unified credit
code (统一社会信用代码) for the same account; a substring of the column answers all of them.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_LATIN_WORDS = re.compile(r"[A-Za-z ]+")
_SPACES = re.compile(r"\s+")
KEY_SEPARATOR = "|"


def pinyin_keys(name: str) -> tuple[str, str]:
    """The full pinyin and the initials of ``name``, without tone marks or spaces
    (北京华信 → ``beijinghuaxin``, ``bjhx``); letters and digits pass unchanged."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return _compact("".join(syllables)), _compact("".join(initials))


def search_text(legal_name: str, short_name: str | None, credit_code: str | None) -> str:
    """The account's search column: names as written, their pinyin and initials, and the
    credit code, lower-case and separated by ``|`` (which a search term may not hold, so a
    match never spans two keys)."""
    keys: list[str] = []
    for name in (legal_name, short_name):
        if name:
            keys.append(_compact(name))
            keys.extend(pinyin_keys(name))
    if credit_code:
        keys.append(credit_code)
    unique = dict.fromkeys(key.lower() for key in keys if key)
    return KEY_SEPARATOR.join(unique)


def search_term(text: str) -> str:
    """What a ``q`` is looked up as: lower-case; spaces dropped from a pinyin query
    (``bei jing`` is ``beijing``), kept inside names that have them."""
    term = text.strip().lower().replace(KEY_SEPARATOR, " ")
    if _LATIN_WORDS.fullmatch(term):
        return term.replace(" ", "")
    return _SPACES.sub(" ", term)


def _compact(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
