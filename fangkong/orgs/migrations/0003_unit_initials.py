from django.db import migrations, models


def fill_initials(apps, schema_editor):
    from fangkong.core.pinyin import initials

    Unit = apps.get_model("orgs", "Unit")
    batch = []
    for unit in Unit.objects.only("pk", "name").iterator(chunk_size=2000):
        unit.initials = initials(unit.name)[:100]
        batch.append(unit)
        if len(batch) >= 2000:
            Unit.objects.bulk_update(batch, ["initials"])
            batch = []
    Unit.objects.bulk_update(batch, ["initials"])


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0002_unit_head_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="initials",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=100, verbose_name="pinyin initials"),
        ),
        migrations.RunPython(fill_initials, migrations.RunPython.noop),
    ]
