import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Fangkong with gunicorn (static files through whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("FANGKONG_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("FANGKONG_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("FANGKONG_WORKERS", "2"))
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, **options):
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            "gunicorn",
            "fangkong.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            "--access-logfile", "-",
            # The access log prints the path only: query strings may carry names.
            "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            # …and never the token of a personal check-in link.
            "--logger-class", "fangkong.core.gunicorn_logger.RedactingLogger",
        ]  # fmt: skip
        self.stdout.write(f"Fangkong on http://{options['host']}:{options['port']}/ "
                          f"({options['workers']} workers, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")  # fmt: skip
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
