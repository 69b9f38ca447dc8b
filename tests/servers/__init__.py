"""Deliberately faulty and hostile servers that the conformance suite must catch."""

from ._asgi import FaultMiddleware, Request, Response
from ._conform import Verdict, conform, server_args
from ._process import ROOT, TOKEN, RunResult, run_measured, running_server
from .faults import FAULTS, Fault, build_app, passthrough
from .hostile import HOSTILE, Hostile, serve_hostile

__all__ = [
    "FAULTS",
    "HOSTILE",
    "ROOT",
    "TOKEN",
    "Fault",
    "FaultMiddleware",
    "Hostile",
    "Request",
    "Response",
    "RunResult",
    "Verdict",
    "build_app",
    "conform",
    "passthrough",
    "run_measured",
    "running_server",
    "serve_hostile",
    "server_args",
]
