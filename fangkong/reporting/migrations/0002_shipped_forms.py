from django.db import migrations


def install(apps, schema_editor):
    from fangkong.reporting.shipped import install

    install(
        apps.get_model("reporting", "ReportForm"),
        apps.get_model("reporting", "FormVersion"),
        apps.get_model("reporting", "FormField"),
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
