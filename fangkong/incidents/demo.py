"""Demo incidents, so the board and a timeline are never empty: a fever cluster at a
residential community filed this morning with its phone and written reports, acknowledged
by the property company and late at the group (escalated, in the ledger), and a supply
shortage of last week, closed. Idempotent: made once, found again on a second run."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.orgs.models import Unit

from .models import Incident
from .services import (
    acknowledge,
    close_incident,
    file_incident,
    file_written_report,
)
from .sweeps import escalate_due


def seed_incidents(admin, log=print) -> None:
    if Incident.objects.filter(title__startswith="【演示】").exists():
        return
    community = Unit.objects.filter(code="CT-JY-C01").first()
    fleet = Unit.objects.filter(code="CT-HEAT-FLEET").first()
    if community is None or fleet is None:
        return
    User = get_user_model()
    office = User.objects.filter(username="office").first() or admin
    now = timezone.now()
    found = now - timedelta(hours=3)
    cluster = file_incident(
        actor=admin,
        unit=community,
        kind="fever_cluster",
        title="【演示】小区三户居民同日发热",
        discovered_at=found,
        discovered_by="小区物业值班员",
        place="3号楼",
        actions_taken="三户居家隔离，封闭3号楼单元门，联系社区卫生服务中心。",
        phone={
            "called_at": found + timedelta(minutes=9),
            "caller": "物业值班员",
            "callee": "金源物业值班经理",
        },
        now=found + timedelta(minutes=12),
    )
    file_written_report(
        actor=admin,
        incident=cluster,
        now=found + timedelta(minutes=26),
        text="3号楼三户居民（共5人）今晨体温37.6–38.1℃，已居家隔离，社区卫生服务中心已上门采样。",
    )
    acknowledge(
        actor=admin,
        incident=cluster,
        unit=community.parent,
        now=found + timedelta(minutes=20),
        note="加强3号楼消毒，每日两次报告体温。",
    )
    escalate_due(now=found + timedelta(minutes=40))  # the group did not acknowledge in time
    shortage = file_incident(
        actor=admin,
        unit=fleet,
        kind="shortage",
        title="【演示】车队口罩库存不足三天用量",
        discovered_at=now - timedelta(days=6),
        discovered_by="车队队长",
        phone={
            "called_at": now - timedelta(days=6) + timedelta(minutes=10),
            "caller": "车队队长",
            "callee": "热力总公司值班经理",
        },
        now=now - timedelta(days=6) + timedelta(minutes=15),
    )
    file_written_report(
        actor=admin,
        incident=shortage,
        text="口罩库存300只，日耗120只。",
        now=now - timedelta(days=6) + timedelta(minutes=40),
    )
    close_incident(
        actor=office,
        incident=shortage,
        outcome="resolved",
        reason="集团物资库调拨2000只，已到位。",
        now=now - timedelta(days=5),
    )
    log("Incidents: a fever cluster (escalated at the group) and a closed supply shortage.")
