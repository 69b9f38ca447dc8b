"""Fetch a published OpenAPI document, byte for byte, from a URL or a file: bounded and careful.

Every way a fetch can go wrong comes back as one `SpecError` whose detail is one clear line:
a timeout, an answer over the size limit, a non-2xx status, a redirect loop or a downgrade from
https to http, an HTML page (a docs site's error page answers 200 more often than not), text that
is not UTF-8, YAML or JSON that does not parse, or a document that is not OpenAPI 3.x.
Nothing is normalised: `Fetched.content` is exactly what was published.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import SpecError
from ._loader import Document, parse_text
from ._validate import validate_document

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT",
    "Fetched",
    "fetch_spec",
    "is_url",
    "parse_published",
    "redirect_target",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds for the whole fetch, redirects and body included."""
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""A published spec larger than 20 MiB is refused (OpenAI's 3 MB spec fits six times over)."""
DEFAULT_MAX_REDIRECTS = 5

_HEADER = "cannot fetch the spec"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """A published spec: its bytes exactly as served, their text, and the parsed document."""

    source: str
    """What was asked for: a URL or a file path."""
    location: str
    """Where it came from after redirects (the URL), or the file path."""
    content: bytes
    document: Document

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def is_url(source: str) -> bool:
    """True for ``http://`` and ``https://`` sources; anything else is a file path."""
    return source.lower().startswith(("http://", "https://"))


def redirect_target(current: str, location: str | None) -> str | SpecError:
    """The URL a redirect from ``current`` to ``location`` leads to, if it may be followed.

    Relative locations resolve against ``current``. Only http(s) targets are followed, and
    never from https down to http (the spec would then travel unauthenticated).
    """
    import httpx  # here, not at module level: most users of codegen never fetch (~0.3 s)

    if not location:
        return SpecError(_HEADER, f"redirect without a Location header from {current}", current)
    try:
        target = httpx.URL(current).join(location)
    except httpx.InvalidURL as exc:
        return SpecError(_HEADER, f"redirect to an invalid URL {location!r}: {exc}", current)
    if target.scheme not in ("http", "https"):
        return SpecError(_HEADER, f"refusing a redirect to a non-http URL {target}", current)
    if httpx.URL(current).scheme == "https" and target.scheme == "http":
        return SpecError(_HEADER, f"refusing a redirect from https to http ({target})", current)
    return str(target)


def _looks_like_html(content: bytes, content_type: str) -> bool:
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<?xml"))


def parse_published(content: bytes, where: str, content_type: str = "") -> Document | SpecError:
    """Parse published bytes as an OpenAPI 3.x document (structural checks only).

    The full validator runs later, on the bundle, where its findings can name the overlays.
    """
    if not content.strip():
        return SpecError("not an OpenAPI document", "the answer is empty", where)
    if _looks_like_html(content, content_type):
        kind = f" ({content_type})" if content_type else ""
        return SpecError("not an OpenAPI document", f"the answer is an HTML page{kind}", where)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SpecError("not an OpenAPI document", f"not UTF-8 text ({exc.reason})", where)
    data = parse_text(text, where)
    if isinstance(data, SpecError):
        return data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty document"
        return SpecError("not an OpenAPI document", f"the top level is {kind}", where, "1:1")
    problem = validate_document(data, where, full=False)
    return problem if problem is not None else data


def _fetch_file(path: Path, max_bytes: int) -> tuple[bytes, str] | SpecError:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return SpecError(_HEADER, f"{size} bytes is over the limit of {max_bytes}", str(path))
        with path.open("rb") as handle:
            content = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return SpecError(_HEADER, "no such file", str(path))
    except IsADirectoryError:
        return SpecError(_HEADER, "is a directory", str(path))
    except OSError as exc:
        return SpecError(_HEADER, exc.strerror or str(exc), str(path))
    if len(content) > max_bytes:
        return SpecError(_HEADER, f"the file is over the limit of {max_bytes} bytes", str(path))
    return content, ""


def _get(
    client: httpx.Client, url: str, deadline: float, max_bytes: int
) -> tuple[int, str, bytes, str] | SpecError:
    """One GET: (status, Location or "", body, content type); a redirect's body is not read."""
    import httpx

    timeout = max(deadline - time.monotonic(), 0.001)
    with client.stream("GET", url, timeout=timeout) as response:
        if response.is_redirect:
            return response.status_code, response.headers.get("location", ""), b"", ""
        if not response.is_success:
            status = f"{response.status_code} {response.reason_phrase}".strip()
            return SpecError(_HEADER, f"HTTP {status}", url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            detail = f"the answer declares {declared} bytes, over the limit of {max_bytes}"
            return SpecError(_HEADER, detail)
        body = bytearray()
        # Decoded bytes (gzip is transport, not publication), counted as they arrive, so a
        # compressed bomb stops at the limit too; a slow drip stops at the deadline.
        for chunk in response.iter_bytes(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                return SpecError(_HEADER, f"the answer is over the limit of {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("deadline passed", request=response.request)
        return response.status_code, "", bytes(body), response.headers.get("content-type", "")


def _fetch_url(
    url: str, timeout: float, max_bytes: int, max_redirects: int
) -> tuple[bytes, str, str] | SpecError:
    """(body, content type, final URL), or the one problem that stopped the fetch."""
    import httpx

    deadline = time.monotonic() + timeout
    headers = {"Accept": "application/yaml, application/json;q=0.9, text/yaml;q=0.8, */*;q=0.1"}
    current = url
    try:
        with httpx.Client(follow_redirects=False, headers=headers, trust_env=True) as client:
            for _ in range(max_redirects + 1):
                got = _get(client, current, deadline, max_bytes)
                if isinstance(got, SpecError):
                    moved = f" (redirected to {current})" if current != url else ""
                    return SpecError(got.header, got.detail + moved, url)
                status, location, body, content_type = got
                if not 300 <= status < 400:
                    return body, content_type, current
                target = redirect_target(current, location)
                if isinstance(target, SpecError):
                    return SpecError(target.header, target.detail, url)
                current = target
    except httpx.TimeoutException:
        return SpecError(_HEADER, f"no complete answer within {timeout:g} s", url)
    except httpx.InvalidURL as exc:
        return SpecError(_HEADER, f"invalid URL: {exc}", url)
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return SpecError(_HEADER, f"{type(exc).__name__}: {reason}", url)
    return SpecError(_HEADER, f"more than {max_redirects} redirects (the last to {current})", url)


def fetch_spec(
    source: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
) -> Fetched | SpecError:
    """Fetch ``source`` (an http(s) URL, a file:// URL or a path) and parse it as OpenAPI 3.x."""
    if is_url(source):
        got = _fetch_url(source, timeout, max_bytes, max_redirects)
        if isinstance(got, SpecError):
            return got
        content, content_type, location = got
    else:
        scheme = urllib.parse.urlsplit(source).scheme
        if "://" in source and scheme.lower() not in ("", "file"):
            # a URL of a scheme we do not fetch, not a file path that happens to contain "://"
            detail = f"unsupported scheme {scheme}:// (use http://, https://, file:// or a path)"
            return SpecError("cannot fetch the spec", detail, source)
        path = source
        if source.lower().startswith("file://"):
            path = urllib.parse.unquote(urllib.parse.urlsplit(source).path)
        read = _fetch_file(Path(path), max_bytes)
        if isinstance(read, SpecError):
            return read
        (content, content_type), location = read, source
    document = parse_published(content, location, content_type)
    if isinstance(document, SpecError):
        return document
    return Fetched(source, location, content, document)
