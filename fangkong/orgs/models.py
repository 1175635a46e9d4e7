import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import PathField, subtree_q
from fangkong.core.scope import ScopedQuerySet

from .choices import Gender, Role, SiteKind, UnitKind


class UnitQuerySet(ScopedQuerySet):
    def subtree(self, unit, include_self=True):
        qs = self.filter(subtree_q("path", unit.path))
        return qs if include_self else qs.exclude(pk=unit.pk)

    def open_on(self, day):
        """Units open on `day`: a closed unit is no longer expected to report."""
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=day),
            Q(active_to__isnull=True) | Q(active_to__gte=day),
        )


class Unit(models.Model):
    """A node of the organization tree (一盘棋): SASAC → group → subsidiary → department/site.

    `path` is the materialized path of primary keys, "/1/7/42/": subtree questions are
    prefix scans on an index, never a walk of the tree in Python.
    """

    scope_field = "path"

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Pinyin initials of the name (core.pinyin), kept by orgs.services and the synthetic
    # seeding: pickers find 热力总公司 by "rlzgs".
    initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, editable=False, db_index=True
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    site_kind = models.CharField(
        _("site kind"), max_length=20, choices=SiteKind.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = PathField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_key_unit = models.BooleanField(_("key unit (重点单位)"), default=False)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    liaison = models.ForeignKey(
        "Person",
        verbose_name=_("liaison (联络员)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_of",
    )
    hosts_epidemic_office = models.BooleanField(_("hosts the epidemic office"), default=False)
    sort_order = models.IntegerField(_("order"), default=0)
    # Active people placed directly in the unit, kept by orgs.services (refresh_head_counts):
    # a subtree's head count is a sum over its units, not a count over a million people.
    head_count = models.PositiveIntegerField(_("people placed here"), default=0, editable=False)
    # The unit's organisation unit code in a health authority's DHIS2 (exports app): the
    # export names units by it (orgUnitIdScheme=code); a unit without one is not exported.
    dhis2_code = models.CharField(_("DHIS2 org unit code"), max_length=50, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "sort_order", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="unit_active_range",
            ),
            models.UniqueConstraint(
                fields=["dhis2_code"], condition=~Q(dhis2_code=""), name="unit_dhis2_code_unique"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_time(self, moment: datetime | None = None) -> datetime:
        """`moment` (default now) on the unit's wall clock: days, deadlines and shifts are
        the unit's, whatever the server's time zone."""
        return (moment or timezone.now()).astimezone(self.tzinfo)

    def local_date(self, moment: datetime | None = None) -> date:
        """The unit's day at `moment` (default now): the day of a report or a check-in."""
        return self.local_time(moment).date()

    def is_open_on(self, day) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or self.active_to >= day
        )


class Person(models.Model):
    """A member of staff on the roster.

    The ID-card number is sensitive personal information: only a keyed hash (to find
    duplicates) and a masked form ("1101**********1234") are stored, never the number.
    """

    scope_field = "unit_path"

    group = models.ForeignKey(
        Unit, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    # Copy of unit.path, kept by services, so subtree filters and head counts need no join.
    unit_path = PathField(max_length=255, editable=False)
    employee_no = models.CharField(_("employee number"), max_length=32)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=20, blank=True, editable=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    position = models.CharField(_("position"), max_length=50, blank=True)
    is_active = models.BooleanField(_("on the roster"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["unit_path", "employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "employee_no"], name="person_employee_no_unique_in_group"
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "unit_path", "employee_no"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.employee_no})"


class FamilyMember(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="family_members"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=20)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.relation})"


class RoleAssignment(models.Model):
    """A user holds a role on a unit; it covers the unit's whole subtree.

    The leading group (领导小组) is `leading_group` on a group; committee members
    assigned to key units (包抓包联) are `inspector` on those units.
    """

    scope_field = "unit__path"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="role_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
