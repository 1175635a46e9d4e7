from datetime import time

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


@checks.register()
def check_notify_settings(app_configs=None, **kwargs):
    errors = []
    value = settings.NOTIFY_QUIET_HOURS.strip().lower()
    if value not in ("", "off", "none"):
        try:
            [time.fromisoformat(part.strip()) for part in value.split("-", 1)]
            if value.count("-") != 1:
                raise ValueError
        except ValueError:
            errors.append(
                checks.Error(
                    f"FANGKONG_QUIET_HOURS={settings.NOTIFY_QUIET_HOURS!r} is not HH:MM-HH:MM or off.",
                    id="notify.E001",
                )
            )
    try:
        import_string(settings.SMS_GATEWAY)
    except ImportError:
        errors.append(
            checks.Error(
                f"FANGKONG_SMS_GATEWAY={settings.SMS_GATEWAY!r} cannot be imported.",
                id="notify.E002",
            )
        )
    return errors
