"""graph.text: entities, mojibake, control characters, surrogates and white space."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.text import clean_text, fold

PROPERTY = settings(max_examples=300, deadline=None, database=None)

#: Real text in several scripts; none of it may change.
SAMPLES = [
    "How China is Developing AI Without US Chips",
    "State-sponsored Chinese AI firm launches bot service to ‘surpass’ ChatGPT",
    "café déjà vu, naïve coöperation, Zürich Straße",
    "Crème brûlée — “quoted” – dash… €100 ™ ©",
    "¿Qué pasó? ¡Olé!",
    "Привет, мир",
    "Ελληνικά γράμματα",
    "漢字のテスト、中文新闻",
    "한국어 뉴스",
    "שלום עולם",
    "مرحبا بالعالم",
    "हिन्दी समाचार",
    "emoji 😀 🚀 👩‍💻 🇫🇷 👍🏽",
]


def mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (Latin-1 for the bytes it leaves undefined)."""
    return "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8")
    )


@pytest.mark.parametrize("text", SAMPLES)
def test_clean_text_leaves_real_text_alone(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize("text", [s for s in SAMPLES if not s.isascii()])
def test_mojibake_is_repaired_in_every_script(text: str) -> None:
    broken = mojibake(text)
    assert broken != text
    assert clean_text(broken) == text


def test_the_corpus_mojibake_title() -> None:
    assert (
        clean_text("Microsoft Makes Power Apps Changes Following â€˜Sensitive Dataâ€™ Exposure: UpGuard")
        == "Microsoft Makes Power Apps Changes Following ‘Sensitive Data’ Exposure: UpGuard"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fish &amp; chips", "Fish & chips"),
        ("It&#8217;s &#8220;here&#8221; &#8211; now&hellip;", "It’s “here” – now…"),
        ("a&nbsp;&nbsp;b", "a b"),
        ("&#x1F600; &#128512;", "😀 😀"),
        ("&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),
        ("AT&T and R&D", "AT&T and R&D"),  # not entities: unchanged
        ("&amp;amp;", "&amp;"),  # one level of escaping is undone, not more
        ("&#38;#8217;", "&#8217;"),
        ("&#0;x&#7;", "\ufffdx"),  # NUL is replaced (HTML rules), a control escape is dropped
        ("&#xD800;", "\ufffd"),
    ],
)
def test_entities_are_unescaped(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bell\x07 and \x1b[31mescape", "bell and [31mescape"),
        ("del\x7f and c1\x85\x9f", "del and c1"),
        ("nul\x00char", "nulchar"),
        ("  padded\t\ttabs\r\nand\nlines \u2028sep\u00a0nbsp\u3000ideographic  ", "padded tabs and lines sep nbsp ideographic"),
        ("\ufffe\uffffnoncharacters", "noncharacters"),
        ("", ""),
        (" \n\t ", ""),
    ],
)
def test_controls_are_dropped_and_white_space_collapsed(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_surrogates() -> None:
    assert clean_text("lone \ud800 high, lone \udfff low") == "lone high, lone low"
    assert clean_text("pair \ud83d\ude00 joined") == "pair 😀 joined"
    assert clean_text("mojibake â€™ and pair \ud83d\ude80") == "mojibake ’ and pair 🚀"


def test_fold() -> None:
    assert fold("  AI   Hardware ") == fold("ai hardware") == "ai hardware"
    assert fold("STRASSE") == fold("Straße")
    assert fold("No") == "no"


# ------------------------------------------------------------------ properties

_BAD = {"Cc", "Cs", "Co", "Cn"}


@PROPERTY
@given(st.lists(st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(["&amp;", "&#8217;", "â€™", "Ã©", "\x85", "\u00a0", "&#7;"])).map("".join))
def test_output_is_clean(text: str) -> None:
    out = clean_text(text)
    assert out == out.strip()
    assert "  " not in out
    for char in out:
        assert unicodedata.category(char) not in {"Cc", "Cs"}, repr(char)
        assert char == " " or not char.isspace()
    out.encode("utf-8")  # always encodable


@PROPERTY
@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters="&").filter(lambda c: not "\u00c2" <= c <= "\u00f4")), st.sampled_from(["😀", "👩‍💻", "🇫🇷", "🧪", "👍🏽"]))
def test_plain_text_and_emoji_are_kept(text: str, emoji: str) -> None:
    value = f"{text} {emoji} {text}".strip()
    assert clean_text(value) == " ".join(value.split())
    assert emoji in clean_text(value)


@PROPERTY
@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn"), exclude_characters="&"), max_size=40))
def test_clean_text_is_idempotent_without_entities_or_controls(text: str) -> None:
    # Not for control characters: ftfy reads C1 controls as Windows-1252 bytes, so
    # garbage such as "ÂÎ\x80" can be "repaired" twice.
    once = clean_text(text)
    assert clean_text(once) == once


# ------------------------------------------------- the plain-ASCII fast path
import html as _html  # noqa: E402
import re as _re  # noqa: E402


def _reference_clean_ascii(value: str) -> str:
    """What clean_text did to ASCII text before its fast path: unescape, drop controls, squeeze space."""
    if "&" in value:
        value = _html.unescape(value)
    if not value.isascii():
        return clean_text(value)  # an entity made it non-ASCII: the fast path is not involved
    value = _re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
    return _re.sub(r"\s+", " ", value).strip()


@PROPERTY
@given(st.text(st.characters(max_codepoint=127)) | st.text(st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1f\x7f&;ab#x1"))))
def test_ascii_fast_path_changes_nothing_the_full_clean_up_would_change(value: str) -> None:
    assert clean_text(value) == _reference_clean_ascii(value)


@pytest.mark.parametrize("value", ["plain title", " lead", "trail ", "two  spaces", "tab\there", "a &amp; b", "bell\x07", ""])
def test_ascii_fast_path_corner_cases(value: str) -> None:
    assert clean_text(value) == _reference_clean_ascii(value)
