"""Enter once: the daily report's checkpoint figure derived from the checkpoints
(registered with reporting.prefill): 设立检查点数, the checkpoints in use in the unit's
subtree (less the subtrees filing their own report) that day. Nothing when the subtree
never had a checkpoint: no figure nobody set up."""

from datetime import date

from django.db.models import Count, Q

from fangkong.core.fields import subtree_q
from fangkong.reporting.prefill import is_outside

from .models import Checkpoint


def derive(unit, day: date, exclude: tuple[str, ...]) -> dict:
    rows = (
        Checkpoint.objects.filter(subtree_q("unit_path", unit.path))
        .values_list("unit_path")
        .annotate(n=Count("id", filter=Q(is_active=True, created_at__date__lte=day)))
    )
    kept = [(path, n) for path, n in rows if is_outside(path, exclude)]
    return {"checkpoints": sum(n for _p, n in kept)} if kept else {}
