"""`{% load localtime %}{{ report.deadline_at|local:report.unit }}`: a moment on the wall
clock of the unit it belongs to, in the one format of `core.localtime` (`local_short`
without the year, `local_time` the time only). Without a unit: the viewer's zone.
`{{ unit|zone_name }}` names the zone itself."""

from django import template
from django.utils import timezone

from fangkong.core.localtime import show, zone_name

register = template.Library()


def _zone(unit):
    return unit if unit not in (None, "") else timezone.get_current_timezone()


@register.filter
def local(moment, unit=None) -> str:
    return show(moment, _zone(unit))


@register.filter
def local_short(moment, unit=None) -> str:
    return show(moment, _zone(unit), "short")


@register.filter
def local_time(moment, unit=None) -> str:
    return show(moment, _zone(unit), "time")


@register.filter(name="zone_name")
def zone_name_filter(unit=None) -> str:
    """`{{ unit|zone_name }}`: "北京时间", not "Asia/Shanghai" (core.localtime.zone_name)."""
    return zone_name(_zone(unit))
