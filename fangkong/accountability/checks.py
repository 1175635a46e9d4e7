from django.conf import settings
from django.core.checks import Error, register


@register()
def check_thresholds(app_configs, **kwargs):
    value = getattr(settings, "ACCOUNTABILITY_THRESHOLDS", None)
    try:
        first, second = (int(n) for n in value)
        valid = 1 <= first <= second
    except (TypeError, ValueError):
        valid = False
    if valid:
        return []
    return [
        Error(
            f"FANGKONG_ACCOUNTABILITY_THRESHOLDS is {value!r}.",
            hint="Give two whole numbers, the second not below the first, e.g. 2,4.",
            id="fangkong.E101",
        )
    ]
