from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.backup import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (SQLite's online backup or pg_dump) and "
        "of the uploaded files into a folder, readable by the owner only; delete backups "
        "older than --keep-days. Restore: docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            default=str(settings.DATA_DIR / "backups"),
            help="folder for the backups (default: the data folder's backups/)",
        )
        parser.add_argument("--keep-days", type=int, default=30)

    def handle(self, *args, **options):
        try:
            done = backup(Path(options["to"]), keep_days=options["keep_days"])
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        size = done.database.stat().st_size / 1e6
        self.stdout.write(f"{done.database} ({size:.1f} MB) in {done.seconds:.1f} s")
        if done.media:
            self.stdout.write(f"{done.media}")
        for path in done.removed:
            self.stdout.write(f"removed {path}")
