"""Canonical article URLs: one key per article, whatever alias a record uses.

The canonical form has a lower-case host without ``www.``, ``https`` for both web
schemes, no default port, no fragment, no tracking parameters, a sorted query and
no trailing slash. AMP variants (``/amp`` suffixes, ``?amp=1``, Google AMP cache
URLs) map to the page they mirror.

>>> canonical_url("HTTPS://WWW.WSJ.com/articles/x-1/?utm_source=tw&b=2&a=1#top")
'https://wsj.com/articles/x-1?a=1&b=2'
>>> canonical_url("https://cointelegraph-com.cdn.ampproject.org/c/s/cointelegraph.com/news/x/amp")
'https://cointelegraph.com/news/x'
>>> canonical_url("https://example.com/story?ref=home")
'https://example.com/story'
>>> canonical_domain("WWW.Fudzilla.com.")
'fudzilla.com'
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

#: Query parameters that identify a campaign or a click, never the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer", "ocid", "smid",
        "cmpid", "spm", "_ga", "_gl", "amp", "outputtype", "guccounter",
        "guce_referrer", "guce_referrer_sig", "sr_share", "share", "src",
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "_hs", "hsa_", "pk_", "mtm_")
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"


class URLError(ValueError):
    """A string that cannot be an article URL (the message says why)."""


def canonical_domain(domain: str) -> str:
    """A provider key: lower-case host, no ``www.``, no trailing dot or port."""
    host = domain.strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``; raise :class:`URLError` if it is not one."""
    text = url.strip()
    if not text:
        raise URLError("empty URL")
    if any(ch.isspace() for ch in text) or "\x00" in text:
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
    if host.endswith(AMP_CACHE_SUFFIX):
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
    while path.endswith("/"):
        path = path[:-1]
    for suffix in ("/amp", "/amp.html", ".amp"):
        if path.lower().endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            break
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    result = f"https://{host}{path}"
    if query:
        result += "?" + urlencode(query)
    return result
