import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve Fangkong with gunicorn (static files through whitenoise). Static files are "
        "collected at install and upgrade time (`fangkong collectstatic`), not at each start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("FANGKONG_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("FANGKONG_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("FANGKONG_WORKERS", "2"))
        )
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="collect the static files before starting (slow)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="the default; kept for existing service units",
        )
        parser.add_argument(
            "--control-socket",
            metavar="PATH",
            default="",
            help="gunicorn's control socket for this server (default: none)",
        )

    def handle(self, *args, **options):
        if options["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        elif not settings.STATIC_ROOT.exists():
            self.stderr.write(
                f"Static files are not collected in {settings.STATIC_ROOT}: served "
                "from the source tree (run `fangkong collectstatic`)."
            )
        # /metrics sums the request histograms of every worker from files in this folder
        # (prometheus_client's multiprocess mode; emptied at each start by gunicorn_conf).
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.DATA_DIR / "metrics"))
        argv = [
            "gunicorn",
            "fangkong.wsgi:application",
            "--config",
            "python:fangkong.core.gunicorn_conf",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            # The access log prints the path only: query strings may carry names.
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            # …and never the token of a personal check-in link.
            "--logger-class",
            "fangkong.core.gunicorn_logger.RedactingLogger",
            # gunicorn's default control socket is one per user (~/.gunicorn/gunicorn.ctl):
            # two servers of one user removed each other's. One per server, or none.
            *(
                ["--control-socket", options["control_socket"]]
                if options["control_socket"]
                else ["--no-control-socket"]
            ),
        ]
        self.stdout.write(
            f"Fangkong on http://{options['host']}:{options['port']}/ "
            f"({options['workers']} workers, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
