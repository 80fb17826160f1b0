"""Canonical article URLs: one key per article, whatever alias a record uses.

The canonical form has a lower-case host without ``www.``, ``https`` for both web
schemes, no default port, no fragment, no tracking parameters, a sorted query and
no trailing slash. International host names take their ASCII (punycode) form and
the path its RFC 3986 normal form (non-ASCII characters percent-encoded, escapes of
unreserved characters decoded, hex digits upper-case). AMP variants (``/amp``
suffixes, ``?amp=1``, Google AMP cache and viewer URLs) map to the page they mirror.

>>> canonical_url("HTTPS://WWW.WSJ.com/articles/x-1/?utm_source=tw&b=2&a=1#top")
'https://wsj.com/articles/x-1?a=1&b=2'
>>> canonical_url("https://cointelegraph-com.cdn.ampproject.org/c/s/cointelegraph.com/news/x/amp")
'https://cointelegraph.com/news/x'
>>> canonical_url("https://example.com/story?ref=home")
'https://example.com/story'
>>> canonical_domain("WWW.Fudzilla.com.")
'fudzilla.com'
>>> canonical_url("https://Bücher.example/caf%c3%a9/%7Euser") == canonical_url("https://xn--bcher-kva.example/café/~user")
True
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

#: Query parameters that identify a campaign or a click, never the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer", "ocid", "smid",
        "cmpid", "spm", "_ga", "_gl", "amp", "outputtype", "guccounter",
        "guce_referrer", "guce_referrer_sig", "sr_share", "share", "src",
        "amp_js_v", "amp_gsa", "amp_r", "usqp",  # added by Google's AMP viewer
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "_hs", "hsa_", "pk_", "mtm_")
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
#: Characters a path keeps as they are (RFC 3986 unreserved, sub-delims, ``:@/%``).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_ESCAPE = re.compile("%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
#: An ASCII character a path must encode: not alphanumeric and not in ``_PATH_SAFE``.
_PATH_UNSAFE = re.compile("[^A-Za-z0-9" + re.escape(_PATH_SAFE) + "]")
#: A URL that is its own canonical form as it stands, checked cheaply (most are): https, a
#: lower-case host with a dot, no ``www.``, no port, not Google's AMP viewer or cache, and a
#: path with nothing to encode or decode, no query and no fragment. It must also not end
#: in ``/`` or an AMP suffix (:data:`_STRIPPED_END`).
_ALREADY_CANONICAL = re.compile(
    r"https://(?!www\.|google\.)[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    r"(?<!\.cdn\.ampproject\.org)(?:/[A-Za-z0-9/:@!$&'()*+,;=._~-]*)?"
)
_STRIPPED_END = re.compile(r"(?:/|/amp|/amp\.html|\.amp)\Z", re.IGNORECASE)
#: White space (``str.isspace``: ``\s`` matches exactly the same characters) or NUL.
_SPACE_OR_NUL = re.compile(r"[\s\x00]")


class URLError(ValueError):
    """A string that cannot be an article URL (the message says why)."""


def canonical_domain(domain: str) -> str:
    """A provider key: lower-case host, no ``www.``, no trailing dot or port."""
    host = domain.strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:  # not a valid international name: keep it as written
            pass
    while host.startswith("www.") and "." in host[4:]:  # a loop keeps canonical forms stable
        host = host[4:]
    return host


def _normal_path(path: str) -> str:
    """RFC 3986 normalization: encode what must be, decode escapes that need not be."""

    def escape(match: re.Match[str]) -> str:
        byte = int(match.group(1), 16)
        return chr(byte) if byte in _UNRESERVED else f"%{byte:02X}"

    if not path.isascii() or _PATH_UNSAFE.search(path):
        path = quote(path, safe=_PATH_SAFE)
    return _ESCAPE.sub(escape, path) if "%" in path else path


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``; raise :class:`URLError` if it is not one."""
    if _ALREADY_CANONICAL.fullmatch(url) and not _STRIPPED_END.search(url):
        return url  # what the steps below would return (tests/test_urls.py checks it)
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    """:func:`canonical_url` the long way, for any URL."""
    text = url.strip()
    if not text:
        raise URLError("empty URL")
    if _SPACE_OR_NUL.search(text):
        raise URLError(f"URL contains whitespace or control characters: {text[:80]!r}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise URLError(f"malformed URL {text[:80]!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise URLError(f"not an http(s) URL: {text[:80]!r}")
    host = canonical_domain(parts.hostname or "")
    if not host or "." not in host:
        raise URLError(f"URL has no host name: {text[:80]!r}")
    path = parts.path
    if (host == "google.com" or host.startswith("google.")) and path.startswith("/amp/"):
        # Google's AMP viewer: /amp/s/<host>/<path> (https) or /amp/<host>/<path>.
        segments = path.split("/")
        rest = segments[3:] if len(segments) > 3 and segments[2] == "s" else segments[2:]
        if rest and "." in rest[0]:
            host = canonical_domain(rest[0])
            path = "/" + "/".join(rest[1:])
            port = None
    elif host.endswith(AMP_CACHE_SUFFIX):
        # Google AMP cache: /c/s/<host>/<path> (https) or /c/<host>/<path> (http).
        segments = path.split("/")
        if len(segments) > 3 and segments[1] in ("c", "v", "i"):
            rest = segments[3:] if segments[2] == "s" else segments[2:]
            if rest and "." in rest[0]:
                host = canonical_domain(rest[0])
                path = "/" + "/".join(rest[1:])
                port = None
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = _normal_path(path)
    stripped = True
    while stripped:  # until nothing changes, so that canonical forms are fixed points
        path = path.rstrip("/")
        stripped = False
        for suffix in ("/amp", "/amp.html", ".amp"):
            if path.lower().endswith(suffix) and len(path) > len(suffix):
                path = path[: -len(suffix)]
                stripped = True
                break
    result = f"https://{host}{path}"
    if not parts.query:
        return result
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    if query:
        result += "?" + urlencode(query)
    return result
