import signal

from django.core.management.base import BaseCommand, CommandError

from fangkong.core import worker


class Command(BaseCommand):
    help = (
        "Run the background sweeps (deadlines, escalation, reminders, the notification "
        "outbox). Sweeps are chosen by name or by lane (urgent: escalation and delivery; "
        "routine: the rest)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="run the chosen sweeps once and exit (status 1 if any failed)",
        )
        parser.add_argument(
            "--only",
            nargs="+",
            default=[],
            metavar="NAME",
            help="sweeps or lanes to run (default: all)",
        )
        parser.add_argument(
            "--except",
            nargs="+",
            default=[],
            dest="exclude",
            metavar="NAME",
            help="sweeps or lanes not to run",
        )
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between rounds")

    def handle(self, *args, **options):
        only, exclude = options["only"], options["exclude"]
        try:
            chosen = worker.select(only, exclude)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not chosen:
            raise CommandError("no sweep chosen")
        if options["once"]:
            return self.once(only, exclude)
        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        self.stdout.write("Fangkong worker: " + ", ".join(s.name for s in chosen))
        worker.run_forever(
            tick=options["tick"], stop=lambda: bool(stopping), only=only, exclude=exclude
        )

    def once(self, only, exclude):
        try:
            results = worker.run_due(only=only, exclude=exclude)
        except worker.DatabaseUnavailable as exc:
            raise CommandError(f"database unavailable: {exc}") from None
        for name, result in results.items():
            self.stdout.write(f"{name}: {result}")
        failed = [name for name, result in results.items() if isinstance(result, worker.Failure)]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(results)} sweeps failed: {', '.join(failed)}"
            )
