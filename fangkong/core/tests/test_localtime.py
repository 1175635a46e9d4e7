"""One format for a moment a person reads (issue 11): `12-03 09:00` on the unit's clock,
with the year when it is not this year's."""

from datetime import UTC, datetime

import time_machine
from django.test import SimpleTestCase

from fangkong.core.localtime import show


@time_machine.travel(datetime(2026, 12, 3, 4, 0, tzinfo=UTC), tick=False)
class ShortFormatTests(SimpleTestCase):
    def test_this_years_moment_leaves_out_the_year(self):
        self.assertEqual(
            show(datetime(2026, 12, 3, 1, 0, tzinfo=UTC), "Asia/Shanghai", "short"), "12-03 09:00"
        )

    def test_another_years_moment_says_which(self):
        moment = datetime(2025, 12, 31, 1, 0, tzinfo=UTC)
        self.assertEqual(show(moment, "Asia/Shanghai", "short"), "2025-12-31 09:00")
        # New Year's Eve 17:00 UTC is already next year's 01:00 in Shanghai.
        self.assertEqual(
            show(datetime(2025, 12, 31, 17, 0, tzinfo=UTC), "Asia/Shanghai", "short"), "01-01 01:00"
        )
