"""The dashboard's routes. GETs render what views.py reads; POSTs call actions.py, after the token, the host and
a one-time form nonce for that path are checked (security.py), then redirect (POST → redirect → GET)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from agentguard.dashboard import actions, views
from agentguard.dashboard.security import COOKIE, Nonces, allowed_host, same_token
from agentguard.errors import AgentGuardError
from agentguard.state import Places

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # the token never leaves in a Referer (and forms keep their Origin)
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class Refused(Exception):
    """A POST that is not a genuine form of this page (no or a used nonce, another origin): 403."""


class Dashboard:
    def __init__(self, places: Places, token: str, port: int, project: str) -> None:
        self.places, self.token, self.port, self.project = places, token, port, project
        self.nonces = Nonces()
        self.templates = Environment(
            loader=PackageLoader("agentguard.dashboard", "templates"), autoescape=select_autoescape(default=True)
        )

    def render(self, request: Request, name: str, status: int = 200, **data: Any) -> HTMLResponse:
        def form(path: str) -> str:
            return self.nonces.issue(path)

        page = self.templates.get_template(name).render(request=request, nonce=form, **data)
        return HTMLResponse(page, status, headers=HEADERS)

    # -- access ------------------------------------------------------------------------------------------------
    async def guard(self, request: Request, call: Callable[[Request], Awaitable[Response]]) -> Response:
        if not allowed_host(request.headers.get("host"), self.port):
            return PlainTextResponse("this dashboard answers on 127.0.0.1 only", 403, headers=HEADERS)
        if request.url.path.startswith("/static/"):
            return await call(request)
        from_url = request.query_params.get("t")
        if not (same_token(from_url, self.token) or same_token(request.cookies.get(COOKIE), self.token)):
            return PlainTextResponse("open the link `agentguard dashboard` printed (it carries the token)", 403,
                                     headers=HEADERS)  # fmt: skip
        if request.method not in ("GET", "HEAD", "POST"):
            return PlainTextResponse("method not allowed", 405, headers=HEADERS)
        response = await call(request)
        if same_token(from_url, self.token):  # the printed link: remember the token, then drop it from the URL
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return response

    async def posted(self, request: Request) -> dict[str, str]:
        """The form of a genuine POST: same origin (when the browser says), and a one-time nonce issued for this
        very path. Anything else is refused before the action runs."""
        origin = request.headers.get("origin")
        if origin is not None and origin not in (f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"):
            raise Refused("this form was posted from another site")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not self.nonces.redeem(form.get("nonce", ""), request.url.path):
            raise Refused("this form has expired or was used already: reload the page")
        return form

    # -- pages -------------------------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        return self.render(
            request, "index.html", mode=views.mode(self.places), pending=views.approvals(self.places, open_only=True),
            ledger=views.ledger_status(self.places), decisions=views.decisions(self.places, 15),
        )  # fmt: skip

    async def feed(self, request: Request) -> Response:
        return self.render(request, "_feed.html", decisions=views.decisions(self.places, 30))

    async def pending(self, request: Request) -> Response:
        return self.render(request, "_pending.html", pending=views.approvals(self.places, open_only=True))

    async def approvals(self, request: Request) -> Response:
        return self.render(request, "approvals.html", approvals=views.approvals(self.places, open_only=False))

    async def approval(self, request: Request) -> Response:
        found = views.approval(self.places, request.path_params["approval_id"])
        return self.render(request, "approval.html", approval=found)

    async def snapshots(self, request: Request) -> Response:
        return self.render(request, "snapshots.html", snapshots=views.snapshots(self.places))

    async def snapshot(self, request: Request) -> Response:
        return self.render(request, "snapshot.html", snapshot=views.snapshot(self.places, request.path_params["sid"]))

    async def ledger(self, request: Request) -> Response:
        return self.render(request, "ledger.html", ledger=views.ledger_status(self.places))

    async def mode(self, request: Request) -> Response:
        return self.render(request, "mode.html", mode=views.mode(self.places))

    async def review(self, request: Request) -> Response:
        return self.render(request, "review.html", review=views.review(self.places, self.project))

    async def approve_review(self, request: Request) -> Response:
        form = await self.posted(request)
        done = actions.approve_review(self.places, self.project, form.get("diff_hash", ""), form.get("reason", ""),
                                      form.get("passphrase", ""))  # fmt: skip
        return self.done(f"change {done['diff_hash'][:19]}… approved (event {done['seq']})", "/review")

    async def plan(self, request: Request) -> Response:
        return self.render(request, "plan.html", plan=views.plan(self.places, self.project))

    # -- actions (POST only) -----------------------------------------------------------------------------------
    async def lgtm(self, request: Request) -> Response:
        form = await self.posted(request)
        grant = actions.approve_plan(self.places, self.project, form.get("sha256", ""))
        return self.done(f"plan approved (sha256 {grant['sha256'][:12]})", "/plan")

    async def plan_done(self, request: Request) -> Response:
        await self.posted(request)
        grant = actions.finish_plan(self.places)
        return self.done(f"plan done (sha256 {grant['sha256'][:12]}): plan mode is on", "/plan")

    async def answer(self, request: Request) -> Response:
        form = await self.posted(request)
        approval_id, verb = request.path_params["approval_id"], request.path_params["verb"]
        if verb not in ("approve", "deny"):
            return PlainTextResponse("unknown action", 404, headers=HEADERS)
        note = form.get("reason") or None
        done = actions.answer_approval(self.places, approval_id, grant=verb == "approve", note=note)
        return self.done(f"{done['id']} {done['status']}", f"/approvals/{done['id']}")

    async def restore(self, request: Request) -> Response:
        await self.posted(request)
        sid = request.path_params["sid"]
        report = actions.restore_snapshot(self.places, sid)
        changed = sum(1 for c in report["changes"] if c["action"] != "unchanged")
        return self.done(f"restored {sid}: {changed} path(s) changed", f"/snapshots/{sid}")

    async def resolve(self, request: Request) -> Response:
        form = await self.posted(request)
        done = actions.resolve_break(
            self.places,
            request.path_params["break_id"],
            form.get("resolution", ""),
            form.get("reason", ""),
            form.get("passphrase", ""),
        )
        return self.done(f"{done['break_id']}: {done['resolution']} (event {done['seq']})", "/ledger")

    def done(self, message: str, where: str) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"{where}?done={quote(message)}", status_code=303, headers=HEADERS)


def build(places: Places, token: str, port: int, project: str) -> Starlette:
    board = Dashboard(places, token, port, project)

    async def refused(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), 403, headers=HEADERS)

    async def failure(request: Request, exc: Exception) -> Response:
        message = exc.message if isinstance(exc, AgentGuardError) else f"{type(exc).__name__}: {exc}"
        return board.render(request, "error.html", 400 if isinstance(exc, AgentGuardError | ValueError) else 500,
                            message=message)  # fmt: skip

    routes = [
        Route("/", board.home),
        Route("/fragments/feed", board.feed),
        Route("/fragments/pending", board.pending),
        Route("/approvals", board.approvals),
        Route("/approvals/{approval_id}", board.approval),
        Route("/approvals/{approval_id}/{verb}", board.answer, methods=["POST"]),
        Route("/snapshots", board.snapshots),
        Route("/snapshots/{sid}", board.snapshot),
        Route("/snapshots/{sid}/restore", board.restore, methods=["POST"]),
        Route("/ledger", board.ledger),
        Route("/ledger/breaks/{break_id}/resolve", board.resolve, methods=["POST"]),
        Route("/mode", board.mode),
        Route("/review", board.review),
        Route("/review/approve", board.approve_review, methods=["POST"]),
        Route("/plan", board.plan),
        Route("/plan/approve", board.lgtm, methods=["POST"]),
        Route("/plan/done", board.plan_done, methods=["POST"]),
        Mount("/static", StaticFiles(directory=os.path.join(os.path.dirname(__file__), "static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=board.guard)],
        exception_handlers={Exception: failure, AgentGuardError: failure, ValueError: failure, Refused: refused},
    )
