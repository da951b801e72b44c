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
expects (a release changed it, or the file on disk is not the code that runs), nothing is patched:
`rtl_lines_once_applied()` says so and tests/pdfs/test_engine_fixes.py fails, so that the fix is
looked at again, and dropped once the engine has its own. The same tests render right-to-left
documents (a float beside the lines, a line taller than its first estimate beside one) with and
without the fix and find the same lines at the same places and the same bytes. One difference is
meant: a `::first-line` style on a right-to-left block now applies as on a left-to-right one (the
second pass dropped it); Faktura's templates have none.
"""

import inspect
import re
from functools import cache
from types import CodeType, FunctionType

_RTL_CONDITION = re.compile(
    r"\(position_x \+ line\.width, position_y\) == \((\s*)"
    r"original_position_x \+ original_width, original_position_y\)"
)
# The same line breaks as the original: the engine's line numbers stay right in tracebacks.
_LTR_CONDITION = r"(position_x, position_y) == (\1original_position_x, original_position_y)"


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
    try:
        source, first_line = inspect.getsourcelines(original)
    except OSError:  # no source to read (a build without .py files)
        return False
    filename = inspect.getsourcefile(original) or "<weasyprint>"
    # Blank lines in front keep the engine's line numbers in tracebacks.
    padding = "\n" * (first_line - 1)
    text = "".join(source)
    if _code_of(padding + text, filename).co_code != original.__code__.co_code:
        return False  # the file on disk is not what runs (upgraded since it was imported)
    fixed, replaced = _RTL_CONDITION.subn(_LTR_CONDITION, text)
    if replaced != 1:
        return False
    # The engine's own source with one comparison changed, run in the engine's module.
    exec(compile(padding + fixed, filename, "exec"), vars(inline))  # noqa: S102
    return inline.get_next_linebox is not original


def _code_of(source: str, filename: str) -> CodeType:
    """The code of the one function `source` defines."""
    module = compile(source, filename, "exec")
    return next(const for const in module.co_consts if isinstance(const, CodeType))
