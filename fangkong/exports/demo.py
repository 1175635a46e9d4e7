"""Demo data of the DHIS2 export: the daily form mapped onto a data set `FK_DAILY` (one data
element per numeric field, `FK_` and the field's code; the fevers of the day split by a
category option combo to show one), and a DHIS2 code `OU_<code>` on every unit except the
tourism company's subtree, so the skipped units show too. A second run changes nothing."""

from fangkong.core.fields import subtree_q
from fangkong.orgs.models import Unit
from fangkong.reporting.models import ReportForm

from .models import Dhis2Element, Dhis2Mapping
from .services import mappable_fields

DATA_SET = "FK_DAILY"
WITHOUT_CODES = "CT-TOUR"  # left without DHIS2 codes: the export says it skipped them


def demo_code(unit_code: str) -> str:
    return f"OU_{unit_code}"[:50]


def seed_dhis2(admin, log=print) -> None:
    units = Unit.objects.filter(dhis2_code="")
    tour = Unit.objects.filter(code=WITHOUT_CODES).first()
    if tour is not None:
        units = units.exclude(subtree_q("path", tour.path))
    changed = []
    for unit in units.only("pk", "code"):
        unit.dhis2_code = demo_code(unit.code)
        changed.append(unit)
    Unit.objects.bulk_update(changed, ["dhis2_code"], batch_size=1000)
    form = ReportForm.objects.filter(code="daily").first()
    if form is None or Dhis2Mapping.objects.filter(form=form).exists():
        return
    mapping = Dhis2Mapping.objects.create(form=form, data_set=DATA_SET, updated_by=admin)
    Dhis2Element.objects.bulk_create(
        Dhis2Element(
            mapping=mapping,
            field_code=f.code,
            data_element=f"FK_{f.code.upper()}"[:50],
            category_option_combo="FK_STAFF" if f.code == "fever_today" else "",
        )
        for f in mappable_fields(form)
    )
    log(f"DHIS2: {len(changed)} unit codes, the daily form mapped to {DATA_SET}.")
