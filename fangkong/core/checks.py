from django.conf import settings
from django.core.checks import Tags, Warning, register

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"


@register(Tags.security, deploy=True)
def check_secrets(app_configs, **kwargs):
    problems = []
    if settings.SECRET_KEY == DEV_SECRET_KEY:
        problems.append(
            Warning(
                "FANGKONG_SECRET_KEY is the public development key.",
                hint="Set FANGKONG_SECRET_KEY (and FANGKONG_ID_HASH_KEY) before going live.",
                id="fangkong.W001",
            )
        )
    if settings.ID_HASH_KEY == settings.SECRET_KEY:
        problems.append(
            Warning(
                "FANGKONG_ID_HASH_KEY is not set: ID numbers are hashed with the secret key, "
                "so rotating the secret key would make stored ID hashes unmatchable.",
                hint="Set FANGKONG_ID_HASH_KEY to its own long random value and never change it.",
                id="fangkong.W002",
            )
        )
    return problems
