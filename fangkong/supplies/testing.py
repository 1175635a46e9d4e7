"""Test helpers: a TransactionTestCase's flush also removes the catalogue the data
migration ships; put it back before each test and after each flush."""

import importlib

from django.apps import apps


def install_catalogue() -> None:
    for name in ("0002_catalogue", "0004_safety_levels"):
        importlib.import_module(f"fangkong.supplies.migrations.{name}").ship(apps, None)


class ShippedCatalogueMixin:
    @classmethod
    def _fixture_setup(cls):
        super()._fixture_setup()
        install_catalogue()

    def _fixture_teardown(self):
        super()._fixture_teardown()
        install_catalogue()
