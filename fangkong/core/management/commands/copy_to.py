import dj_database_url
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from fangkong.core.backup import copy_to

ALIAS = "copy_target"


class Command(BaseCommand):
    help = (
        "Copy this install's database (e.g. a group's SQLite file) into another database "
        "(e.g. PostgreSQL): the target is migrated, emptied and filled with every row, ids "
        "kept. Stop the app servers and workers first; then point DATABASE_URL at the target."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", required=True, help="postgres://user@host:port/name")
        parser.add_argument(
            "--yes", action="store_true", help="empty the target without asking first"
        )

    def handle(self, *args, **options):
        cfg = dj_database_url.parse(options["database"])
        if ALIAS not in connections.settings:
            both = connections.configure_settings(
                {"default": dict(connections.settings["default"]), ALIAS: cfg}
            )
            connections.settings[ALIAS] = both[ALIAS]
        try:
            connections[ALIAS].ensure_connection()
        except Exception as exc:
            raise CommandError(f"cannot reach the target database: {exc}") from exc
        if not options["yes"]:
            answer = input(f"Everything in {cfg.get('NAME')} will be replaced. Go on? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("nothing copied")
        self.stdout.write("Migrating the target …")
        call_command("migrate", database=ALIAS, interactive=False, verbosity=0)
        done = copy_to(ALIAS, log=self.stdout.write if options["verbosity"] > 1 else print_none)
        self.stdout.write(
            f"Copied {done.rows:,} rows of {done.tables} tables in {done.seconds:.1f} s."
        )


def print_none(*args):
    pass
