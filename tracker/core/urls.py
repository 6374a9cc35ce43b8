"""One story, one URL: normalization of article URLs (pure)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from tracker.errors import FetchError


def normalize_url(url: str, base: str | None = None) -> str:
    """The URL tracker stores: absolute http(s), lower-case host, no default port,
    tracking parameters (utm_*, fbclid, gclid...) and the fragment removed.

    Raises FetchError for a URL that is not http(s) or has no host.
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    import courlan  # 0.1 s to import: only commands that take URLs pay for it

    cleaned = courlan.normalize_url(urlunsplit(parts._replace(fragment="")))
    return urlunsplit(urlsplit(cleaned)._replace(fragment=""))


def try_normalize_url(url: str | None, base: str | None = None) -> str | None:
    """`normalize_url`, or None for what is not an http(s) URL."""
    if not url:
        return None
    try:
        return normalize_url(url, base)
    except (FetchError, ValueError):
        return None


def site_of(url: str) -> str:
    """The site a URL belongs to, as identity keys and learned chrome name it: the
    lower-case host name without `www.` (no port)."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def host_of(url: str) -> str:
    """The host that politeness is kept for: the lower-case host name, with the port
    when it is not the scheme's default (`example.org`, `127.0.1.7:8080`)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == {"http": 80, "https": 443}.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"
