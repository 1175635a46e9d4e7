"""Test helpers of the notices: a leading-group member of the province (lena) and of
group A (leo), and a notice issued by the SASAC to the groups."""

from fangkong.orgs.choices import Role, UnitKind
from fangkong.orgs.testing import grant, make_user

from . import services
from .choices import NoticeKind


def make_leaders(t) -> None:
    t.lena = make_user("lena")
    grant(t.lena, t.province, Role.LEADING_GROUP)
    t.leo = make_user("leo")
    grant(t.leo, t.group_a, Role.LEADING_GROUP)


def sasac_notice(t, **options):
    """The SASAC's notice to the groups, approved by lena, issued."""
    options = {
        "kind": NoticeKind.NOTICE,
        "title": "关于进一步做好疫情防控工作的通知",
        "body": "<h2>一、总体要求</h2><ul><li>各单位</li></ul>",
        "recipients": [t.province],
        "unit_kinds": [UnitKind.GROUP],
    } | options
    notice = services.draft_notice(actor=t.sasac, issuer=t.province, **options)
    return services.approve_notice(actor=t.lena, notice=notice)
