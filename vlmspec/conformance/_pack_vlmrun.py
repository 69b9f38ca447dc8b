"""The VLM Run pack: the extensions on top of OpenAI's contract (health route, skills,
toolsets/models/preview/service_tier/metadata, sessions)."""

from __future__ import annotations

from . import _probes_core as core
from . import _probes_rules as rules
from . import _properties as props
from ._clauses import Clause
from ._packs import Pack, Task

_UPSTREAM = "upstream spec/upstream/vlmrun-chat-completions.openapi.yaml"
_BODY = "#/components/schemas/AgentChatCompletionsRequest/properties"

PACK = Pack(
    name="vlmrun",
    clauses=(
        Clause(
            "health",
            'GET /v1/health answers 200 {"status": "ok"}',
            most_checks=1,
            contract="overlay 050-health.yaml: GET /v1/health (the vlmrun SDK calls it)",
        ),
        Clause(
            "skills",
            "Skills: references and one-SKILL.md inline zips accepted, bad zips 422",
            contract=f"{_UPSTREAM} {_BODY}/skills (seed: a zip holds exactly one SKILL.md)",
        ),
        Clause(
            "extensions",
            "toolsets, models, preview, service_tier, metadata, input_file, extras",
            contract=f"{_UPSTREAM} {_BODY} (the VLM Run extension fields) + overlay "
            "060-examples.yaml",
        ),
        Clause(
            "session-continuity",
            "Turns sharing a session_id all succeed",
            contract=f"{_UPSTREAM} {_BODY}/session_id",
        ),
    ),
    tasks=(
        Task("health", ("health",), core.probe_health),
        Task("skills", ("skills", "response-schema"), rules.probe_skills),
        Task("extensions", ("extensions", "response-schema"), rules.probe_extensions),
        Task("session", ("session-continuity", "response-schema"), rules.probe_session),
        Task(
            "property-session",
            ("session-continuity", "response-schema"),
            props.prop_session,
            stage=1,
        ),
    ),
    fields=frozenset(
        {"id", "session_id", "toolsets", "models", "preview", "skills", "top_k", "vlmrun"}
    ),
)
