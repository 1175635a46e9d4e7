"""Test helpers of rules and plans: group A's office (olga) publishes a rule covering
group A; bob (liaison of a-site-1) is the roster's Person A002 there."""

from fangkong.orgs.models import Person

from . import services
from .choices import Category, Confirm


def link_bob(t):
    Person.objects.filter(pk=t.p_site_1.pk).update(user=t.bob)
    t.p_site_1.refresh_from_db()


def make_rule(t, **options):
    options = {
        "issuer": t.group_a,
        "title": "十六不准",
        "category": Category.SIXTEEN_BANS,
        "confirm": Confirm.EVERYONE,
        "body": "一、不准隐瞒疫情\n二、不准擅离职守",
        "recipients": [t.group_a],
    } | options
    return services.create_rule(actor=t.olga, **options)
