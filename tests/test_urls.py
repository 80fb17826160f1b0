"""graph.urls: one canonical key per article URL, whatever alias a record uses."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.urls import URLError, canonical_domain, canonical_url

PROPERTY = settings(max_examples=300, deadline=None, database=None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # case, scheme, www., trailing slash, fragment
        ("HTTPS://WWW.Example.COM/Path/To/Story/", "https://example.com/Path/To/Story"),
        ("http://example.com/story", "https://example.com/story"),
        ("https://example.com/story#comments", "https://example.com/story"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com", "https://example.com"),
        ("https://example.com./story", "https://example.com/story"),
        ("https://user:secret@example.com/story", "https://example.com/story"),
        # ports
        ("https://example.com:443/story", "https://example.com/story"),
        ("http://example.com:80/story", "https://example.com/story"),
        ("https://example.com:8443/story", "https://example.com:8443/story"),
        ("https://www.example.com:8080/", "https://example.com:8080"),
        # tracking parameters go, others stay, sorted
        ("https://example.com/s?utm_source=tw&utm_medium=social&UTM_Campaign=x", "https://example.com/s"),
        ("https://example.com/s?fbclid=abc&gclid=def&ref=home&ocid=1", "https://example.com/s"),
        ("https://example.com/s?page=2&id=7&utm_source=tw", "https://example.com/s?id=7&page=2"),
        ("https://example.com/s?b=2&a=1", "https://example.com/s?a=1&b=2"),
        ("https://example.com/s?", "https://example.com/s"),
        ("https://example.com/s?q=a%20b", "https://example.com/s?q=a+b"),
        # AMP forms
        ("https://example.com/news/story/amp", "https://example.com/news/story"),
        ("https://example.com/news/story/amp/", "https://example.com/news/story"),
        ("https://example.com/news/story.amp", "https://example.com/news/story"),
        ("https://example.com/news/story/amp.html", "https://example.com/news/story"),
        ("https://example.com/news/story?amp=1", "https://example.com/news/story"),
        ("https://example.com/news/story?outputType=amp", "https://example.com/news/story"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com/news/story/amp", "https://example.com/news/story"),
        ("https://www-example-com.cdn.ampproject.org/c/www.example.com/news/story", "https://example.com/news/story"),
        ("https://example-com.cdn.ampproject.org/v/s/example.com/news/story?amp_js_v=0.1&usqp=mq331AQ", "https://example.com/news/story"),
        ("https://www.google.com/amp/s/www.example.com/news/story/amp", "https://example.com/news/story"),
        ("https://example.com/amp", "https://example.com/amp"),  # a page called amp, not an AMP twin
        # international names and percent-encoding
        ("https://Bücher.example/café", "https://xn--bcher-kva.example/caf%C3%A9"),
        ("https://xn--bcher-kva.example/caf%c3%a9", "https://xn--bcher-kva.example/caf%C3%A9"),
        ("https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc"),
        ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),  # an escaped slash is not a slash
        ("https://example.com/China’s-chips", "https://example.com/China%E2%80%99s-chips"),
        ("https://example.com/x;v=1", "https://example.com/x;v=1"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


@pytest.mark.parametrize(
    "same",
    [
        ["https://www.wsj.com/articles/x-f6aed67f", "http://wsj.com/articles/x-f6aed67f/", "https://WSJ.com/articles/x-f6aed67f?utm_source=x#top"],
        ["https://cointelegraph.com/news/x", "https://cointelegraph.com/news/x/amp",
         "https://cointelegraph-com.cdn.ampproject.org/c/s/cointelegraph.com/news/x/amp"],
        ["https://example.com/café", "https://example.com/caf%C3%A9", "https://EXAMPLE.com/caf%c3%a9/#x"],
    ],
)
def test_aliases_share_one_key(same: list[str]) -> None:
    assert len({canonical_url(u) for u in same}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/Story", "https://example.com/story"),  # paths are case-sensitive
        ("https://example.com/s?id=1", "https://example.com/s?id=2"),
        ("https://example.com/s", "https://example.com:8080/s"),
        ("https://example.com/s", "https://blog.example.com/s"),
        ("https://example.com/a/b", "https://example.com/a%2Fb"),
        ("https://example.com/news", "https://example.com/news/story"),
        ("https://www2.example.com/s", "https://example.com/s"),
    ],
)
def test_different_pages_keep_different_keys(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not a url", "whitespace"),
        ("https://exa mple.com/x", "whitespace"),
        ("https://example.com/x\x00", "control"),
        ("ftp://example.com/x", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("mailto:someone@example.com", "not an http(s) URL"),
        ("//example.com/x", "not an http(s) URL"),
        ("https:///x", "no host"),
        ("https://localhost/x", "no host"),
        ("https://example.com:99999/x", "malformed"),
        ("https://example.com:port/x", "malformed"),
        ("https://[::1/x", "malformed"),
    ],
)
def test_urls_that_cannot_be_article_keys(url: str, words: str) -> None:
    with pytest.raises(URLError, match=re.escape(words)):
        canonical_url(url)


def test_url_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        canonical_url("ftp://x.com")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("WWW.Fudzilla.com.", "fudzilla.com"),
        ("fudzilla.com", "fudzilla.com"),
        ("https://www.wsj.com/articles/x", "wsj.com"),
        ("markets.businessinsider.com", "markets.businessinsider.com"),
        ("example.com:8080", "example.com"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("www.www.example.com", "example.com"),
        ("www.com", "www.com"),
        ("  thestar.com.my ", "thestar.com.my"),
    ],
)
def test_canonical_domain(domain: str, expected: str) -> None:
    assert canonical_domain(domain) == expected


# ------------------------------------------------------------------ properties

LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
SEGMENT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")).filter(lambda c: c not in "/?#\\"), max_size=8)
PARAM = st.tuples(st.sampled_from(["id", "page", "q", "a", "B"]), st.text("abcXYZ019-_.~%+", max_size=5))
TRACKING = st.tuples(st.sampled_from(["utm_source", "UTM_Medium", "fbclid", "gclid", "ref", "amp", "mc_eid"]), st.text("abc123", max_size=4))


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = ".".join(draw(st.lists(LABEL, min_size=2, max_size=3)))
    if draw(st.booleans()):
        host = "bücher-" + host
    path = "/".join(draw(st.lists(SEGMENT, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(st.lists(PARAM, max_size=3)))
    return f"https://{host}/{path}" + (f"?{query}" if query else "")


@PROPERTY
@given(urls())
def test_canonical_form_is_a_fixed_point(url: str) -> None:
    try:
        canonical = canonical_url(url)
    except URLError:
        return
    assert canonical_url(canonical) == canonical
    assert canonical.startswith("https://") and "#" not in canonical and not canonical.endswith("/")
    assert canonical.isascii()


@PROPERTY
@given(urls(), st.lists(TRACKING, min_size=1, max_size=3), st.text("abc-_/?=&#%é", max_size=6), st.booleans(), st.booleans(), st.booleans())
def test_noise_does_not_change_the_key(url: str, tracking: list[tuple[str, str]], fragment: str, www: bool, upper: bool, slash: bool) -> None:
    try:
        expected = canonical_url(url)
    except URLError:
        return
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    if www:
        host = "www." + host
    if upper:
        host = host.upper()
        scheme = "HTTP"
    if slash:
        path += "/"
    params = [p for p in query.split("&") if p] + [f"{k}={v}" for k, v in tracking]
    noisy = f"{scheme}://{host}/{path}?{'&'.join(params)}"
    if fragment:
        noisy += f"#{fragment}"
    assert canonical_url(noisy) == expected


# ------------------------------------------------- the already-canonical fast path
# canonical_url returns a URL unchanged when a cheap check says it is already canonical;
# every URL must get what the full steps (graph.urls._canonical_url) give.

from graph.urls import _canonical_url  # noqa: E402

_HOSTS = st.sampled_from(["example.com", "www.example.com", "Example.COM", "google.com", "www.google.co.uk", "news.google.com",
                          "example-com.cdn.ampproject.org", "cdn.ampproject.org", "www.com", "a.b.c", "xn--bcher-kva.example",
                          "localhost", "example.com.", "bücher.example", "www.www.example.com"])
_PATH_PART = st.lists(
    st.sampled_from(list("abcXYZ019-._~/:@!$&'()*+,;=%é ") + ["amp", "/amp", ".amp", "/amp.html", "%7E", "%2f"]), max_size=12
).map("".join)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", ""]))
    port = draw(st.sampled_from(["", "", ":443", ":8080"]))
    path = draw(st.sampled_from(["", "/"])) + draw(_PATH_PART)
    tail = draw(st.sampled_from(["", "", "?a=1", "?utm_source=x", "#top", "/", "/amp", "/AMP", ".amp", " "]))
    return scheme + draw(_HOSTS) + port + path + tail


def _canonical_or_error(function: object, url: str) -> str:
    try:
        return "ok " + function(url)  # type: ignore[operator]
    except URLError as exc:
        return f"error {exc}"


@PROPERTY
@given(_urls())
def test_fast_path_gives_what_the_full_steps_give(url: str) -> None:
    assert _canonical_or_error(canonical_url, url) == _canonical_or_error(_canonical_url, url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a/b-c_d.e~f", "https://example.com", "https://a.b.c/x:y@z!$&'()*+,;=", "https://example.com/amp",
     "https://example.com/x/amp.html", "https://cdn.ampproject.org/c/s/example.com/x", "https://google.com/amp/s/example.com/x",
     "https://example.com//x", "https://www.com/x", "https://example.com/x/"],
)
def test_fast_path_corner_cases(url: str) -> None:
    assert canonical_url(url) == _canonical_url(url)
    assert canonical_url(canonical_url(url)) == canonical_url(url)
