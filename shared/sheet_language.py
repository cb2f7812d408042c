"""The language of a spreadsheet export: Chinese headers and names by default, English
column codes and ids for machines (DESIGN "Spreadsheets and languages").

``?lang=`` wins; without it the first language of ``Accept-Language`` decides; without
either, zh-CN (the company's default for people).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Header, Query


class SheetLanguage(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


def language_of(accept_language: str | None) -> SheetLanguage:
    """The language an ``Accept-Language`` header asks for first (zh-CN when unclear)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return SheetLanguage.EN
        if tag.startswith("zh"):
            return SheetLanguage.ZH_CN
    return SheetLanguage.ZH_CN


def sheet_language(
    lang: Annotated[
        SheetLanguage | None,
        Query(
            description=(
                "Headers and cells: `zh-CN` (Chinese headers, names of accounts and people; "
                "the default) or `en` (column codes and ids). Without it, Accept-Language."
            )
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(max_length=200, include_in_schema=False)] = None,
) -> SheetLanguage:
    return lang or language_of(accept_language)


SheetLanguageDep = Annotated[SheetLanguage, Depends(sheet_language)]
