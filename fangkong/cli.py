"""The `fangkong` command: Django's management commands with Fangkong's defaults.

fangkong migrate | seed-demo | serve [--host H] [--port P] [--workers N] |
         createsuperuser | <any other management command>
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    from django.core.management import execute_from_command_line

    argv[0] = "fangkong"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `fangkong seed-demo` → seed_demo
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
