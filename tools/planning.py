"""Write or check the instructor guide's planning tables (``_generated/planning.md``).

    python tools/planning.py --write   # after changing any chapter's EXERCISES/PLANNING
    python tools/planning.py --check   # exit 1 when the file is stale

The tables come from ``course/checks/chNN.py`` (see ``course.planning``);
``instructors.md`` includes the file, so the book shows the current exercise list.
"""

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course.planning import markdown  # noqa: E402

TARGET = ROOT / "_generated" / "planning.md"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = markdown(ROOT / "chapters")
    if args.write:
        TARGET.parent.mkdir(exist_ok=True)
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")
        return 0
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    if current != text:
        print(
            f"{TARGET.relative_to(ROOT)} is stale: run python tools/planning.py --write"
        )
        return 1
    print("planning tables current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
