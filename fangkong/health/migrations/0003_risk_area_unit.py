# Risk areas get an owning unit (issue 10): empty is a province-wide area, kept by the
# SASAC duty room and system admins; a unit's own area flags only the trips of its
# subtree. Every existing area stays province-wide: the column is added empty, which is
# exactly that, so no data step is needed.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0002_checkin_vouched_and_unmeasured"),
        ("orgs", "0002_unit_head_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="riskarea",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.unit",
                verbose_name="applies within",
            ),
        ),
    ]
