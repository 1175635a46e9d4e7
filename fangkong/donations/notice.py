"""The public notice (公示) of a campaign, as a draft text for the bulletin: who called,
what came in from how many units and donors, where it went. Unit totals only: a person's
amount never goes into a notice."""

from .models import Campaign, yuan
from .queries import Totals


def _amount(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    text = f"{whole:,}"
    return f"{text}.{cents:02d}" if cents else text


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def notice_text(campaign: Campaign, totals: Totals, remitted_fen: int) -> str:
    giving = [r for r in totals.rows if r.gifts]
    giving.sort(key=lambda r: -r.total_fen)
    lines = [
        f"关于{campaign.name}捐款情况的公示",
        "",
        f"{_day(campaign.start_day)}，{campaign.unit.name}响应{campaign.recipient}"
        f"呼吁发出倡议，号召广大干部职工积极捐款捐物。截至目前，共收到"
        f"{totals.unit.name if totals.unit.pk != campaign.unit_id else ''}"
        f"{len(giving)}个单位、{totals.donors}个（人次）捐款人的捐款{_amount(totals.total_fen)}元。",
    ]
    if remitted_fen:
        lines.append(
            f"已将捐款{_amount(remitted_fen)}元转至{campaign.recipient}，用于疫情防控救治工作。"
        )
    lines += ["", "各单位捐款情况如下："]
    for i, r in enumerate(giving, start=1):
        lines.append(f"{i}. {r.unit.name}：{_amount(r.total_fen)}元")
    lines += [
        "",
        "现予公示，接受干部职工监督。对广大干部职工的爱心善举表示衷心感谢！",
        "",
        campaign.unit.name,
    ]
    return "\n".join(lines)


__all__ = ["notice_text", "yuan"]
