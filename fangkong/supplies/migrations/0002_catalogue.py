"""The shipped catalogue (seeds 001 and 003): masks by grade, disinfectants, protective
equipment and the devices counted rather than consumed. System admins add more."""

from django.db import migrations

ITEMS = [
    # code, name, category, unit of measure, pack, per pack, durable
    ("mask-surgical", "医用外科口罩", "mask", "只", "盒", 50, False),
    ("mask-kn95", "KN95/N95 口罩", "mask", "只", "盒", 25, False),
    ("mask-ordinary", "普通口罩", "mask", "只", "包", 10, False),
    ("disinfectant-84", "84 消毒液", "disinfectant", "瓶", "箱", 12, False),
    ("alcohol-75", "75% 酒精", "disinfectant", "瓶", "箱", 24, False),
    ("hand-sanitizer", "免洗洗手液", "disinfectant", "瓶", "箱", 24, False),
    ("gloves", "一次性手套", "protection", "副", "盒", 100, False),
    ("protective-suit", "防护服", "protection", "套", "箱", 20, False),
    ("goggles", "护目镜", "protection", "副", "", 1, False),
    ("face-shield", "防护面屏", "protection", "个", "", 1, False),
    ("thermometer-gun", "红外测温枪", "device", "把", "", 1, True),
    ("sprayer", "消毒喷雾器", "device", "台", "", 1, True),
]


def ship(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    for order, (code, name, category, uom, pack, size, durable) in enumerate(ITEMS):
        Item.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "unit_of_measure": uom,
                "pack_name": pack,
                "pack_size": size,
                "durable": durable,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
