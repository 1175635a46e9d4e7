"""Emergency teams (M14, seed 003): the group's 20-person emergency team, the response
squads of the key units and the 50-person youth vanguard; their members from the roster;
deployments of a team, or some of its members, to units for a period with a task (the
vanguard to the 12 communities for temperature checks and disinfection)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit

from .choices import MemberRole, Task, TeamKind

USER = settings.AUTH_USER_MODEL


class Team(models.Model):
    """A team formed at a unit (the group, a key unit) for its subtree."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=TeamKind.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="team_unit_name_unique"),
        ]

    def __str__(self):
        return self.name


class Member(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "person__employee_no"]  # leader sorts before member
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], name="team_member_unique"),
        ]

    def __str__(self):
        return f"{self.team_id} {self.person_id}"


class Deployment(models.Model):
    """A team (all its members) or some of them sent to `unit` from `starts_on` to
    `ends_on` (days at the unit, both included) for a task."""

    scope_field = "unit_path"  # where they serve; the team's path is `team_path`

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="deployments")
    team_path = PathField(max_length=255, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    task = models.CharField(_("task"), max_length=12, choices=Task.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    hours_per_day = models.PositiveSmallIntegerField(_("hours a day"), default=8)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["unit_path", "starts_on"], name="deployment_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="deployment_period_order"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_day__gte=1, hours_per_day__lte=24),
                name="deployment_hours_in_day",
            ),
        ]

    def __str__(self):
        return f"{self.team_id} → {self.unit_id} {self.starts_on}–{self.ends_on}"

    def days_served(self, until) -> int:
        """Days of the deployment from its first day up to `until` (included)."""
        last = min(self.ends_on, until)
        return max(0, (last - self.starts_on).days + 1)


class Deployed(models.Model):
    """One person of a deployment."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deployment", "person"], name="deployed_person_unique"),
        ]

    def __str__(self):
        return f"{self.deployment_id} {self.person_id}"
