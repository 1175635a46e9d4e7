"""Test helpers of return to work: a plan of a-sub (a subsidiary of group-a) with both
hand-confirmed items."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from .choices import Industry, Item
from .services import confirm_item, save_plan


def pdf(name="承诺书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n", content_type="application/pdf")


def make_plan(t, unit=None, confirmed=True, **extra):
    unit = unit or t.a_sub
    values = dict(
        actor=t.alice, unit=unit, industry=Industry.UTILITIES,
        restart_on=unit.local_date() - timedelta(days=1), returning=3,
        phases=[{"site": t.a_site_1, "starts_on": unit.local_date(), "people": 2}]
        if unit == t.a_sub
        else [],
    )  # fmt: skip
    values.update(extra)
    plan = save_plan(**values)
    if confirmed:
        for item in (Item.COMMITMENT, Item.PREVENTION_PLAN):
            confirm_item(actor=t.alice, plan=plan, item=item, file=pdf())
    return plan
