"""The supplies ledger over JSON, one module per capability: stock (the catalogue, stock
with days of cover, the shortfall board, moves, receipts) and requests up the tree."""

from ninja import Router

from . import requests, stock

router = Router()
for module in (stock, requests):
    router.add_router("", module.router)
