"""Test helpers: a TransactionTestCase's flush also removes the catalogue the data
migration ships; put it back before each test and after each flush."""

import importlib

from django.apps import apps


def install_catalogue() -> None:
    shipped = importlib.import_module("fangkong.supplies.migrations.0002_catalogue")
    shipped.ship(apps, None)


class ShippedCatalogueMixin:
    @classmethod
    def _fixture_setup(cls):
        super()._fixture_setup()
        install_catalogue()

    def _fixture_teardown(self):
        super()._fixture_teardown()
        install_catalogue()
