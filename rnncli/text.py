"""Text from files made safe to print: control characters shown as escapes, never sent raw.

    >>> escape_controls("temp\\x1b[32m ok\\n")
    'temp\\\\x1b[32m ok\\\\n'

Column names, series ids and error text can come from a model file or a CSV that someone else
made. Written raw, an ESC sequence could recolour the terminal, move the cursor or print a fake
"safe" line; a carriage return could overwrite what came before. Every such string goes through
`escape_controls` before it reaches a terminal (the CLI's error lines, the rich tables).
"""

import re

__all__ = ["escape_controls"]

# C0 and C1 controls, DEL, the Unicode line/paragraph separators and the bidirectional overrides
# and isolates (which reorder what is shown: "Trojan Source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """`text` with each control character written as an escape: \\n, \\r, \\t, \\x1b, \\u202e..."""
    return _CONTROLS.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
