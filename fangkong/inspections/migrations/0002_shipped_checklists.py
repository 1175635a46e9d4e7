from django.db import migrations


def install(apps, schema_editor):
    from fangkong.inspections.shipped import install

    install(
        apps.get_model("inspections", "Checklist"),
        apps.get_model("inspections", "ChecklistVersion"),
        apps.get_model("inspections", "ChecklistItem"),
        apps.get_model("supplies", "Item"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("supplies", "0002_catalogue"),
    ]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
