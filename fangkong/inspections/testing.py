"""Test helpers: the shipped checklists and the supplies catalogue put back after a
TransactionTestCase's flush; an inspector on the test province's group A."""

from django.apps import apps

from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant, make_user
from fangkong.supplies.testing import install_catalogue

from . import shipped


def install_checklists() -> None:
    install_catalogue()
    shipped.install(
        apps.get_model("inspections", "Checklist"),
        apps.get_model("inspections", "ChecklistVersion"),
        apps.get_model("inspections", "ChecklistItem"),
        apps.get_model("supplies", "Item"),
    )


class ShippedChecklistsMixin:
    @classmethod
    def _fixture_setup(cls):
        super()._fixture_setup()
        install_checklists()

    def _fixture_teardown(self):
        super()._fixture_teardown()
        install_checklists()


def make_inspector(t, username="ivan", unit=None):
    user = make_user(username)
    grant(user, unit or t.group_a, Role.INSPECTOR)
    return user


def make_community(t):
    """A residential community under a-sub with its liaison lily (a login and a person)."""
    from fangkong.orgs import services as orgs
    from fangkong.orgs.choices import SiteKind, UnitKind

    t.comm = orgs.create_unit(
        actor=t.root,
        parent=t.a_sub,
        code="a-comm",
        name="金源小区",
        kind=UnitKind.SITE,
        site_kind=SiteKind.COMMUNITY,
    )
    t.lily = make_user("lily")
    grant(t.lily, t.comm, Role.LIAISON)
    t.p_lily = orgs.create_person(actor=t.root, unit=t.comm, employee_no="C001", name="李丽")
    t.p_lily.user = t.lily
    t.p_lily.save(update_fields=["user"])
    t.comm.liaison = t.p_lily
    t.comm.save(update_fields=["liaison"])
    return t.comm


def photo(name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 fake jpeg", content_type="image/jpeg")


def answer_all(visit, actor, *, fail=(), photos=None):
    """Answer every item of the visit: pass (a number 3, a text "无"), fail those in `fail`
    (with a photo)."""
    from . import services
    from .models import ChecklistItem

    for item in ChecklistItem.objects.filter(version_id=visit.checklist_id):
        failed = item.code in fail
        services.record_answer(
            actor=actor,
            visit=visit,
            item=item,
            result="fail" if failed else "pass",
            number=3,
            text="无",
            note="不足" if failed else "",
            photos=[photo()] if failed and item.photo_on_fail else (),
        )
