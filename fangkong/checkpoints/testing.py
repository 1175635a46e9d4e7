"""Test helpers of checkpoints: the gate of a-site-1 (a heat station of a-sub)."""

from .services import create_checkpoint


def make_checkpoint(t, **extra):
    values = dict(actor=t.alice, unit=t.a_site_1, code="CK-1", name="东门检查点")
    values.update(extra)
    return create_checkpoint(**values)


def counts(checked=10, staff=4, residents=5, visitors=1, turned_away=0, **extra):
    return dict(
        checked=checked,
        staff=staff,
        residents=residents,
        visitors=visitors,
        turned_away=turned_away,
        **extra,
    )
