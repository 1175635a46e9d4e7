"""The donation certificate (受赠证明 for goods received, 捐赠证明 for goods given) as a
PDF, drawn with ReportLab. The Chinese text uses ReportLab's built-in CID font
STSong-Light (one of the Adobe Asian fonts every PDF reader carries), so no font file is
shipped or embedded and the file stays a few kilobytes."""

import io

from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from .choices import GoodsDirection
from .models import GoodsDonation

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def certificate_pdf(goods: GoodsDonation, *, issuer: str, watermark: str) -> bytes:
    received = goods.direction == GoodsDirection.RECEIVED
    title = "受 赠 证 明" if received else "捐 赠 证 明"
    out = io.BytesIO()
    size = landscape(A5)
    pdf = canvas.Canvas(out, pagesize=size)
    pdf.setTitle(title.replace(" ", ""))
    pdf.setAuthor(issuer)
    pdf.setSubject(watermark)
    width, height = size
    pdf.setLineWidth(1.2)
    pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(width / 2, height - 30 * mm, title)
    pdf.setFont(FONT, 10)
    pdf.drawRightString(width - 16 * mm, height - 40 * mm, f"编号：{goods.certificate_no}")
    item = goods.item
    quantity = f"{goods.quantity} {item.unit_of_measure}"
    if received:
        lines = [
            f"兹收到 {goods.counterpart} 捐赠的防疫物资：",
            f"{item.name} {quantity}。",
            f"物资已于 {goods.day:%Y年%m月%d日} 入 {goods.unit.name} 库存，"
            "将全部用于疫情防控工作。",
            "特此证明，并致谢忱！",
        ]
    else:
        lines = [
            f"兹证明 {goods.unit.name} 于 {goods.day:%Y年%m月%d日} 向 {goods.counterpart}",
            f"捐赠防疫物资：{item.name} {quantity}，用于疫情防控工作。",
            "特此证明。",
        ]
    if goods.note:
        lines.append(f"备注：{goods.note}")
    pdf.setFont(FONT, 13)
    y = height - 55 * mm
    for line in lines:
        for part in _wrap(line, 34):
            pdf.drawString(22 * mm, y, part)
            y -= 9 * mm
    pdf.setFont(FONT, 12)
    pdf.drawRightString(width - 22 * mm, 32 * mm, issuer)
    pdf.drawRightString(
        width - 22 * mm, 24 * mm, f"{goods.day.year}年{goods.day.month}月{goods.day.day}日"
    )
    pdf.setFont(FONT, 7)
    pdf.setFillGray(0.5)
    pdf.drawCentredString(width / 2, 13 * mm, watermark)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
