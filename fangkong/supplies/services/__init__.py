"""Writes of the supplies ledger, one module per capability: the ledger itself (receipts,
issues, transfers, counts, reversals) and requests up the tree with distribution."""

from .ledger import (
    MAX_QUANTITY as MAX_QUANTITY,
)
from .ledger import (
    PERM as PERM,
)
from .ledger import (
    SHORT as SHORT,
)
from .ledger import (
    receive_transfer as receive_transfer,
)
from .ledger import (
    record_count as record_count,
)
from .ledger import (
    record_issue as record_issue,
)
from .ledger import (
    record_receipt as record_receipt,
)
from .ledger import (
    reverse_move as reverse_move,
)
from .ledger import (
    send_transfer as send_transfer,
)
from .requests import (
    Decision as Decision,
)
from .requests import (
    decide_request as decide_request,
)
from .requests import (
    distribute as distribute,
)
from .requests import (
    file_request as file_request,
)
from .requests import (
    ship_request as ship_request,
)
