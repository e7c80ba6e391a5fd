"""A terminal console that shows what the input holds and never obeys it.

Ids, sources and texts come from the input: an escape sequence in one of them (``\\x1b[2J``
clears the screen, OSC 52 writes the clipboard) must not reach the terminal as a command,
and a lone surrogate (from a JSON ``"\\ud800"`` escape) cannot be encoded at all. Every
string a :class:`SafeConsole` renders has its control characters drawn as the Unicode
control pictures (``␛`` for ESC, ``␡`` for DEL), C1 controls as ``\\x9b``, lone
surrogates as U+FFFD; newlines and tabs stay. rich's own styling is added afterwards,
so it is not affected.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def visible(text: str) -> str:
    """``text`` with control characters and lone surrogates drawn, not sent."""
    return _CONTROL.sub(_drawn, text)


def _drawn(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures block follows C0's order
    if code == 0x7F:
        return "\u2421"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return "\ufffd"


class SafeConsole(Console):
    """A rich Console that renders every string through :func:`visible`."""

    def render_str(self, text: str, **options: Any) -> Text:
        """Rich's rendering of ``text`` made :func:`visible` first."""
        return super().render_str(visible(text), **options)
