"""The analysis script language (docs/SCRIPT_LANGUAGE.md): microdata.no's command
language, parsed into a typed tree that catalogue.services.scripts runs through the same
workspace API as JSON requests.

Pure Python on lark: this package imports only catalogue.domain, the standard library and
lark (an import-linter contract says so), so it parses without a database, an engine or a
web server, and the runner is the one place that knows what a command means to the
engine. Expressions and conditions are not parsed here: they stay text, for the engine's
one expression parser (catalogue.analysis.expressions)."""

from __future__ import annotations

from .nodes import Command, Script, TextBlock
from .parser import decode_script, parse_script
from .registry import COMMANDS

__all__ = ["COMMANDS", "Command", "Script", "TextBlock", "decode_script", "parse_script"]
