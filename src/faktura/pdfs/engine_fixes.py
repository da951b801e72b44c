"""A fix Faktura carries for WeasyPrint, its PDF engine, until a release of the engine has it.

**Right-to-left lines were laid out twice.** `weasyprint.layout.inline.get_next_linebox` lays a
line out, then asks where a line of the height it turned out to have may start (floats beside it
can push it), and lays it out again if that place differs. For a right-to-left block it compares
the line's right edge, `position_x + line.width`, with `original_position_x + original_width`;
but a right-to-left line box's `position_x` already is its right bound (`avoid_collisions` puts
the cursor there) and `original_width` is the width the line had before it was laid out (0). The
two never agree, so every line of a Hebrew document was laid out a second time, at the same place,
with the same result: a sixth of a Hebrew render. The fix compares the start of the line, as the
engine does for left-to-right lines.

The fix rewrites that one comparison in the function's source and compiles it again in the
engine's module; line numbers stay those of the engine's file. When the source is not what the fix
expects (a release changed it), nothing is patched: `rtl_lines_once_applied()` says so and
tests/pdfs/test_engine_fixes.py fails, so that the fix is looked at again, and dropped once the
engine has its own. The same tests render right-to-left documents (with a float beside the lines)
with and without the fix and find the same bytes.
"""

import inspect
import re
from functools import cache
from types import FunctionType

_RTL_CONDITION = re.compile(
    r"\(position_x \+ line\.width, position_y\) == \(\s*"
    r"original_position_x \+ original_width, original_position_y\)"
)
_LTR_CONDITION = "(position_x, position_y) == (original_position_x, original_position_y)"


@cache
def original_get_next_linebox() -> FunctionType:
    """The engine's own function, kept before the fix replaces it (the tests compare the two)."""
    from weasyprint.layout import inline

    function: FunctionType = inline.get_next_linebox
    return function


@cache
def rtl_lines_once_applied() -> bool:
    """Applies the fix, once per process; whether it is in place."""
    from weasyprint.layout import inline

    original = original_get_next_linebox()
    source, first_line = inspect.getsourcelines(original)
    text = "".join(source)
    fixed, replaced = _RTL_CONDITION.subn(_LTR_CONDITION, text)
    if replaced != 1:
        return False
    # Blank lines in front keep the engine's line numbers in tracebacks.
    padded = "\n" * (first_line - 1) + fixed
    code = compile(padded, inspect.getsourcefile(original) or "<weasyprint>", "exec")
    # The engine's own source with one comparison changed, run in the engine's module.
    exec(code, vars(inline))  # noqa: S102
    return inline.get_next_linebox is not original
