"""Shipped safety levels: the devices counted rather than consumed need a minimum per
kind of site (a thermometer gun at every door that checks temperatures, seed 003). Items
consumed default to FANGKONG_SUPPLY_SAFETY_DAYS of cover; system admins add levels."""

from django.db import migrations

LEVELS = [
    # item, unit or site kind, safety days, minimum held
    ("thermometer-gun", "heat_station", None, 2),
    ("thermometer-gun", "community", None, 2),
    ("thermometer-gun", "checkpoint", None, 2),
    ("thermometer-gun", "duty_brigade", None, 2),
    ("sprayer", "community", None, 1),
    ("sprayer", "heat_station", None, 1),
]


def ship(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    SafetyLevel = apps.get_model("supplies", "SafetyLevel")
    items = {item.code: item for item in Item.objects.all()}
    for code, kind, days, minimum in LEVELS:
        if code in items:
            SafetyLevel.objects.update_or_create(
                item=items[code], unit_kind=kind, defaults={"days": days, "minimum": minimum}
            )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0003_cover")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
