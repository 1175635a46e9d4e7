"""Demo data of the daily bulletin: a month of bulletins of the CT group (seed 003), each
made as of 8 o'clock of its day by the epidemic office, approved by the group's admin (a
leading-group member) and published, with the office's sections; today's is a draft; one
published external statement and one draft. Idempotent: nothing is written when the group
has bulletins already."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.orgs.models import Unit

from . import services
from .models import Bulletin

DAYS = 30
INSTRUCTIONS = "集团党委书记批示：各单位要坚决落实“外防输入、内防扩散”要求，守土有责、守土担责。"
DEEDS = "热力总公司第1热力站值守人员坚守岗位，春节期间连续值班，保障了供热安全和疫情防控两不误。"
NEXT_STEPS = "一是继续做好每日晨检和零报告；二是加强重点场所消毒通风；三是做好复工复产准备。"


def seed_bulletins(admin, log=print) -> None:
    unit = Unit.objects.filter(code="CT").first()
    if unit is None or Bulletin.objects.filter(unit=unit).exists():
        return
    User = get_user_model()
    office = User.objects.filter(username="office").first()
    leader = User.objects.filter(username="group-admin").first()
    if office is None or leader is None:
        return
    today = unit.local_date()
    now = timezone.now()
    for back in range(DAYS, -1, -1):
        day = today - timedelta(days=back)
        as_of = min(datetime.combine(day, time(8), tzinfo=unit.tzinfo), now)
        b = services.generate_bulletin(actor=office, unit=unit, day=day, as_of=as_of)
        services.edit_bulletin(
            actor=office, bulletin=b, instructions=INSTRUCTIONS, deeds=DEEDS, next_steps=NEXT_STEPS
        )
        if back:
            services.approve_bulletin(actor=leader, bulletin=b)
            services.publish_bulletin(actor=office, bulletin=b)
    statement = services.write_statement(
        actor=office,
        unit=unit,
        title="集团疫情防控情况通报口径",
        body="截至目前，集团所属各单位未发现确诊病例，各项防控措施落实到位。对外信息以本口径为准。",
    )
    services.publish_statement(actor=office, statement=statement)
    services.write_statement(
        actor=office, unit=unit, title="复工复产情况口径（待审定）", body="（草稿）"
    )
    log(f"Bulletins: {DAYS + 1} of {unit.name}, today's a draft.")
