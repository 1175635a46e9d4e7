from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed case")
    SUSPECTED = "suspected", _("Suspected case")
    FEVER_CLUSTER = "fever_cluster", _("Fever cluster")
    FEVER = "fever", _("Fever found at a checkpoint")
    CLOSE_CONTACT = "close_contact", _("Close contact found")
    PETITION = "petition", _("Group gathering or petition warning (群体性上访预警)")
    OPINION = "opinion", _("Public-opinion event (舆情)")
    SHORTAGE = "shortage", _("Supply shortage")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """How high an incident must be reported."""

    GROUP = "group", _("The group's duty room")
    SASAC = "sasac", _("The SASAC duty room")


class IncidentState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """How an incident ended: closing names one, with a reason."""

    RESOLVED = "resolved", _("Handled and resolved")
    FALSE_REPORT = "false_report", _("False report")
    DUPLICATE = "duplicate", _("Duplicate of another incident")
    HANDED_OVER = "handed_over", _("Handed over to the local authorities")


class ClockKind(models.TextChoices):
    PHONE = "phone", _("Phone report")
    WRITTEN = "written", _("Written report")
    ACK = "ack", _("Acknowledgement")


class EventKind(models.TextChoices):
    FILED = "filed", _("Filed")
    LATE_DISCOVERY = "late_discovery", _("Discovered days before filing")
    PHONE = "phone", _("Phone report")
    WRITTEN = "written", _("Written report")
    ACK = "ack", _("Acknowledged")
    INSTRUCTION = "instruction", _("Instruction passed down")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")
    CASE_LINKED = "case_linked", _("Health case linked")


# The clock of each kind (先电话、后书面, seed 004: 30分钟内报告上级领导机关): minutes from
# discovery to the phone report and to the written report, and the level the report must
# reach. Cases and petition warnings go up to the SASAC duty room (seed 000).
CLOCKS: dict[str, tuple[int, int, Level]] = {
    IncidentKind.CONFIRMED: (15, 30, Level.SASAC),
    IncidentKind.SUSPECTED: (15, 30, Level.SASAC),
    IncidentKind.PETITION: (15, 30, Level.SASAC),
    IncidentKind.FEVER_CLUSTER: (15, 30, Level.GROUP),
    IncidentKind.FEVER: (15, 30, Level.GROUP),
    IncidentKind.CLOSE_CONTACT: (15, 30, Level.GROUP),
    IncidentKind.OPINION: (15, 30, Level.GROUP),
    IncidentKind.SHORTAGE: (30, 60, Level.GROUP),
    IncidentKind.OTHER: (30, 60, Level.GROUP),
}
# Each receiving level acknowledges within this many minutes of the filing.
ACK_MINUTES = 15
# Discovered this long before filing: accepted, and flagged (a possible late report).
LATE_DISCOVERY_HOURS = 24
