import signal

from django.core.management.base import BaseCommand

from fangkong.core import worker


class Command(BaseCommand):
    help = "Run the background sweeps (deadlines, reminders, the notification outbox)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every sweep once and exit")
        parser.add_argument("--only", nargs="*", help="names of the sweeps to run")
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between rounds")

    def handle(self, *args, **options):
        only = set(options["only"] or [])
        if options["once"]:
            for name, result in worker.run_due(only=only).items():
                self.stdout.write(f"{name}: {result}")
            return
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        self.stdout.write("Fangkong worker: " + ", ".join(s.name for s in worker.sweeps()))
        worker.run_forever(tick=options["tick"], stop=lambda: bool(stopping))
