"""The pure rules of attachments: download headers (RFC 6266/5987), stored file names,
accepted types and part file names."""

from __future__ import annotations

import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from services.clients.attachments.rules import (
    MAX_FILE_NAME,
    ascii_fallback,
    clean_file_name,
    content_disposition,
    content_type_allowed,
    part_file_name,
)

HEADER = re.compile(r'^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8\'\'([!-~]*)$')


@given(st.text(min_size=1, max_size=300))
def test_a_download_header_is_ascii_and_gives_the_name_back(name: str) -> None:
    header = content_disposition(name)
    match = HEADER.match(header)
    assert match is not None, header
    fallback, encoded = match.groups()
    assert unquote(encoded, errors="strict") == name
    assert '"' not in fallback and "\\" not in fallback


def test_a_chinese_name_keeps_its_extension_in_the_fallback() -> None:
    header = content_disposition("合同扫描件.pdf")
    assert header == (
        'attachment; filename="_.pdf"; '
        "filename*=UTF-8''%E5%90%88%E5%90%8C%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf"
    )
    assert ascii_fallback("Résumé.docx") == "Resume.docx"


@given(st.text(max_size=600))
def test_a_stored_name_is_one_clean_segment_of_bounded_length(name: str) -> None:
    cleaned = clean_file_name(name)
    assert 0 < len(cleaned) <= MAX_FILE_NAME
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(c) < 32 or ord(c) == 127 for c in cleaned)
    assert clean_file_name(cleaned) == cleaned  # cleaning twice changes nothing


def test_a_long_name_keeps_its_extension_and_a_path_keeps_its_last_segment() -> None:
    assert clean_file_name("合" * 400 + ".pdf").endswith("合.pdf")
    assert len(clean_file_name("合" * 400 + ".pdf")) == MAX_FILE_NAME
    assert clean_file_name("C:\\扫描\\..\\合同.pdf") == "合同.pdf"
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("...") == "file"


def test_types_match_exactly_or_by_family() -> None:
    allowed = ["application/pdf", "image/*"]
    assert content_type_allowed("application/pdf", allowed)
    assert content_type_allowed("Application/PDF; charset=binary", allowed)
    assert content_type_allowed("image/heic", allowed)
    assert not content_type_allowed("application/x-msdownload", allowed)
    assert not content_type_allowed("image", allowed)
    assert not content_type_allowed("", allowed)


def test_part_file_names_from_either_parameter() -> None:
    plain = "合同 %221%22.pdf".encode()
    assert part_file_name({b"filename": plain}, b"") == '合同 "1".pdf'
    raw = b"form-data; name=\"file\"; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"
    assert part_file_name({b"name": b"file"}, raw) == "合同.pdf"
    assert part_file_name({b"name": b"file"}, b'form-data; name="file"') is None
    broken = b"form-data; filename*=UTF-8''%FF%FE.pdf"
    assert part_file_name({}, broken) is None
