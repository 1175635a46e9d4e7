"""Numbers typed with a Chinese IME (full-width digits, ．and 。) are the numbers they
look like (the parsers of each app are tested where they are used)."""

from decimal import Decimal

from django.test import SimpleTestCase

from fangkong.core.numbers import normalize_number, parse_decimal, parse_int


class NormaliseTests(SimpleTestCase):
    def test_full_width_digits_and_stops_become_ascii(self):
        self.assertEqual(normalize_number(" ３８．１ "), "38.1")
        self.assertEqual(normalize_number("38。1"), "38.1")
        self.assertEqual(normalize_number("－２"), "-2")
        self.assertEqual(normalize_number("１，５"), "1,5")
        self.assertEqual(parse_decimal("３８．１"), Decimal("38.1"))
        self.assertEqual(parse_decimal("38。1"), Decimal("38.1"))
        self.assertEqual(parse_int("３８"), 38)
        self.assertEqual(parse_int("＋７"), 7)

    def test_a_comma_is_a_decimal_separator_only_where_the_caller_says_so(self):
        self.assertEqual(parse_decimal("38，1", decimal_comma=True), Decimal("38.1"))
        for bad in ("1,5", "１，５", "", "abc", "NaN", "Infinity", True):
            with self.subTest(bad), self.assertRaises(ValueError):
                parse_decimal(bad)
        with self.assertRaises(ValueError):
            parse_int("2.5")
