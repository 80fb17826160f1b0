"""Text clean-up for titles, excerpts and names.

HTML entities are unescaped, mojibake (UTF-8 read as Windows-1252) is repaired with
ftfy, control characters and lone surrogates are dropped, and runs of white space
(including non-breaking spaces) become one space.

>>> clean_text("Microsoft Makes Power Apps Changes Following â€˜Sensitive Dataâ€™ Exposure")
'Microsoft Makes Power Apps Changes Following ‘Sensitive Data’ Exposure'
>>> clean_text("Fish &amp; chips&nbsp;&nbsp;today\\n")
'Fish & chips today'
>>> clean_text("caf\\u00e9 \\u6f22\\u5b57 \\U0001f600")
'café 漢字 😀'
>>> clean_text("ÐŸÑ€Ð¸Ð²ÐµÑ‚")
'Привет'
"""

from __future__ import annotations

import html
import re

import ftfy

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
# A UTF-8 lead byte (0xC2-0xF4) followed by a continuation byte (0x80-0xBF), both read
# as Windows-1252 / Latin-1: the shape of mojibake in every script, not only Latin.
# Only a hint: ftfy decides whether the text really is mojibake.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u02ff\u2010-\u203a\u20ac\u2122]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# What clean_text may change in ASCII text: an entity, a control character or white space
# other than single inner spaces (tabs, line breaks and \x1c-\x1f are controls here).
_ASCII_TO_CLEAN = re.compile(r"[&\x00-\x1f\x7f]|  |^ | $")


def clean_text(value: str) -> str:
    """Return ``value`` unescaped, repaired and with white space normalized."""
    if value.isascii() and not _ASCII_TO_CLEAN.search(value):
        return value  # the common case: nothing to do
    if "&" in value:
        value = html.unescape(value)
    if not value.isascii():
        if _SURROGATE.search(value):
            # Join surrogate pairs into the character they encode; drop lone halves.
            value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
        if _MOJIBAKE_HINT.search(value):
            value = ftfy.fix_encoding(value)
        value = _CONTROL.sub("", value)
    elif _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return _SPACE.sub(" ", value).strip()


def fold(value: str) -> str:
    """A case- and space-insensitive key (topics, names).

    >>> fold("  AI   Hardware ")
    'ai hardware'
    """
    return _SPACE.sub(" ", value).strip().casefold()
