from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Seed the demo province (idempotent), or with --units/--people a synthetic "
        "province of any size for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, help="synthetic: number of units")
        parser.add_argument("--people", type=int, help="synthetic: number of people")
        parser.add_argument("--seed", type=int, default=1, help="synthetic: random seed")

    def handle(self, *args, **options):
        from django.conf import settings
        from django.utils import translation

        # What the demo stores (titles, notes, messages) is in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            self._seed(options)

    def _seed(self, options):
        if options["units"] or options["people"]:
            if not (options["units"] and options["people"] is not None):
                raise CommandError("--units and --people go together.")
            from fangkong.orgs.synthetic import seed_synthetic

            seed_synthetic(
                options["units"], options["people"], seed=options["seed"], log=self.stdout.write
            )
            return
        from fangkong.orgs.demo import seed_demo

        result = seed_demo(log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {result['password']}):")
        for username, description in result["logins"]:
            self.stdout.write(f"  {username:<14} {description}")
