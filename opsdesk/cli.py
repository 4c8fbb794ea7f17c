"""The `opsdesk` command: Django's management commands under the product's name.

    opsdesk demo | serve | migrate | createuser | token create --user EMAIL | help
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run an opsdesk command."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["opsdesk", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
