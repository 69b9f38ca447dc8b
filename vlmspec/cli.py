"""The `vlmspec` command line. Subcommands load lazily, so `vlmspec --help` stays instant."""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

import click

from ._exit import EXIT_INTERNAL

__all__ = ["main"]

# name → "module:attribute" of a click command; imported only when that command runs.
_COMMANDS = {
    "spec": ("vlmspec._cmd_spec:spec", "Build and check the bundled spec."),
    "generate": ("vlmspec._cmd_generate:generate", "Regenerate models, server stubs and client."),
    "check": ("vlmspec._cmd_generate:check", "Fail if the bundle or generated code is stale."),
    "diff": ("vlmspec._cmd_diff:diff", "Classify changes between two specs."),
    "serve": ("vlmspec._cmd_serve:serve", "Run the reference server."),
    "conform": ("vlmspec._cmd_conform:conform", "Test a server against the spec."),
    "report": ("vlmspec._cmd_report:report", "Merge conformance reports of shards."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute = entry[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Static help lines: listing commands must not import schemathesis, fastapi, ...
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[1]) for name, entry in sorted(_COMMANDS.items())])


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok; 1 verdict failed (not conformant, inconclusive, stale, breaking); "
    "2 usage, configuration or input error; 3 internal error; 130 interrupted.",
)
@click.version_option(package_name="vlmspec")
def cli() -> None:
    """Spec pipeline, generators, reference server and conformance suite for the VLM Run
    Chat Completions API."""


def _exit_interrupted() -> None:
    """Exit 130 now. CPython sets a process-wide flag when Ctrl-C lands inside an `exec()` of
    source text (dataclasses do that while datamodel-code-generator imports) and then ends the
    process by SIGINT at exit, status -2 whatever was handled: seen in 2 of 30 interrupts."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    # Not click's standalone mode: it turns Ctrl-C into "Aborted!" and exit 1, the code of a
    # verdict; an interrupt is 130 here, whatever the command.
    try:
        result = cli.main(args=argv, prog_name="vlmspec", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # exiting: a second Ctrl-C changes nothing
        print("vlmspec: interrupted", file=sys.stderr)
        if argv is None:  # the process's own entry point, not a call from Python code
            _exit_interrupted()
        raise SystemExit(130) from None
    except click.exceptions.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("VLMSPEC_DEBUG"):
            raise
        print(
            f"vlmspec: internal error: {type(exc).__name__}: {exc} "
            "(rerun with VLMSPEC_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_INTERNAL) from None
    raise SystemExit(result if isinstance(result, int) else 0)
