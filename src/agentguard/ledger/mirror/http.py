"""A mirror behind an HTTP endpoint: POST each note, GET the newest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentguard.ledger.mirror.base import MAX_NOTE, MirrorError, _check, note_size


class HttpMirror:
    """POST each note to `url`; GET `url` returns the newest (404 or 204: nothing mirrored yet)."""

    def __init__(self, url: str, headers: Mapping[str, str] | None = None, *, timeout: float = 10.0) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MirrorError(f"http mirror: expected an http:// or https:// URL, got {url!r}")
        self.url = url
        self.name = f"http:{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
        self._headers = dict(headers or {})
        self._timeout = timeout

    def __repr__(self) -> str:  # the headers carry credentials
        return f"HttpMirror({self.name!r})"

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        headers = {**self._headers, "Content-Type": "text/plain; charset=utf-8"}
        status, body = self._request("POST", note.encode("utf-8"), headers)
        if status not in (200, 201, 202, 204):
            raise MirrorError(f"{self.name}: POST answered {status}: {body[:200]!r}")

    def latest(self) -> str | None:
        status, body = self._request("GET", None, {**self._headers, "Accept": "text/plain"})
        if status in (204, 404):
            return None
        if status != 200:
            raise MirrorError(f"{self.name}: GET answered {status}: {body[:200]!r}")
        try:
            note = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MirrorError(f"{self.name}: GET returned bytes that are not UTF-8 text") from None
        note_size(note)
        return note

    def _request(self, method: str, data: bytes | None, headers: Mapping[str, str]) -> tuple[int, bytes]:
        # Imported here: urllib.request costs some 60 ms, kept off the hook's path.
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.url, data=data, method=method, headers=dict(headers))
        try:
            with _opener().open(request, timeout=self._timeout) as response:
                return int(response.status), response.read(MAX_NOTE)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(MAX_NOTE)
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad responses
            raise MirrorError(f"{self.name}: {method} failed: {exc}") from None


def _opener() -> Any:
    """An opener that follows no redirect: following one would turn a POST into a GET that "succeeds", and
    carry the Authorization header to whatever host the redirect names. A 3xx is reported as it is."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)
