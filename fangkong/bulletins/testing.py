"""Test helpers: the reporting province with a leading-group member (lena) on group A and
a viewer (vera) there; today's expected daily reports."""

from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant, make_user
from fangkong.reporting.testing import make_reporting_province


def make_bulletin_province():
    t = make_reporting_province()
    t.lena = make_user("lena")
    grant(t.lena, t.group_a, Role.LEADING_GROUP)
    t.vera = make_user("vera")
    grant(t.vera, t.group_a, Role.VIEWER)
    return t
