"""Where a profiled scenario spends its time: a summary of py-spy's collapsed stacks.

    python bench/run.py --db postgresql --only invoice_create_issue --profile var/profile
    python bench/hotspots.py var/profile/postgresql/invoice_create_issue.txt

Prints the share of samples spent in each function itself (self) and under each of Faktura's
own functions (inclusive), idle samples excluded — the event loop waiting in select/epoll.
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# Leaf frames of a process or thread waiting, not working: the supervisor, idle pool threads.
IDLE = ("select (selectors.py", "Condition.wait (threading.py", "Connection._recv (multiprocessing")
_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def frames(stack: str) -> list[str]:
    """`process;thread;f (file.py:12);g (file.py:30)` → ["f (file.py)", "g (file.py)"]."""
    out = []
    for part in stack.split(";"):
        match = _FRAME.match(part.strip())
        if match:
            file = match["file"].split("site-packages/")[-1].split("/src/")[-1]
            out.append(f"{match['function']} ({file})")
    return out


def summarise(path: Path, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        chain = frames(stack)
        if not chain or chain[-1].startswith(IDLE):
            continue
        samples = int(count)
        total += samples
        own[chain[-1]] += samples
        for frame in set(chain):
            if "(faktura/" in frame:
                inclusive[frame] += samples
    if not total:
        return f"{path}: no busy samples"
    lines = [f"{path.name}: {total} busy samples", "", "self %  function"]
    lines += [f"{100 * n / total:6.1f}  {name}" for name, n in own.most_common(top)]
    lines += ["", "incl %  Faktura function"]
    lines += [f"{100 * n / total:6.1f}  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    for path in args.profiles:
        print(summarise(path, args.top), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
