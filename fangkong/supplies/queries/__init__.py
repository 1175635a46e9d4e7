"""Reads of the supplies ledger, scoped like everything else, one module per capability."""

from .board import StockLine as StockLine
from .board import catalogue as catalogue
from .board import holds_stock as holds_stock
from .board import list_short_children as list_short_children
from .board import list_shortfalls as list_shortfalls
from .board import list_stock as list_stock
from .board import summarize_shortfalls as summarize_shortfalls
from .ledger import get_transfer_for as get_transfer_for
from .ledger import list_balances as list_balances
from .ledger import list_items as list_items
from .ledger import list_moves as list_moves
from .ledger import list_transfers_to_confirm as list_transfers_to_confirm
from .ledger import transfer_url as transfer_url
from .requests import Share as Share
from .requests import get_request_for as get_request_for
from .requests import list_distributions as list_distributions
from .requests import list_requests as list_requests
from .requests import list_requests_to_decide as list_requests_to_decide
from .requests import list_ship_from as list_ship_from
from .requests import propose_distribution as propose_distribution
from .stock import DailyLine as DailyLine
from .stock import day_bounds as day_bounds
from .stock import list_card as list_card
from .stock import list_daily_count as list_daily_count
from .stock import list_transfers_in as list_transfers_in
from .stock import list_transfers_out as list_transfers_out
