"""The inspection report of one visit (督导检查情况), as a watermarked Excel sheet
(core.xlsx) and as a PDF drawn with ReportLab in the built-in CID font STSong-Light, as
the donation certificates are (no font file shipped)."""

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fangkong.core.localtime import show
from fangkong.core.xlsx import build_workbook

from .choices import Result
from .queries import visit_items

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _answer_text(answer) -> str:
    if answer is None:
        return "—"
    parts = [str(answer.get_result_display())]
    if answer.number is not None:
        parts.append(str(answer.number))
    if answer.text:
        parts.append(answer.text)
    return " ".join(parts)


def rows_of(visit):
    for section in visit_items(visit):
        for row in section["items"]:
            answer = row["answer"]
            rect = getattr(answer, "rectification", None) if answer is not None else None
            yield [
                section["name"],
                row["item"].label,
                _answer_text(answer),
                answer.note if answer else "",
                answer.photos.count() if answer else 0,
                rect.get_state_display() if rect else "",
                show(rect.due_at, visit.unit, "short") if rect else "",
            ]


def report_xlsx(visit, *, watermark: str) -> bytes:
    columns = [
        _("Section"),
        _("Item"),
        _("Answer"),
        _("What was found"),
        _("Photos"),
        _("Rectification"),
        _("Due"),
    ]
    notes = [
        f"{visit.unit.name} · {visit.day:%Y-%m-%d} · {visit.checklist.checklist.name}",
        _("Inspector: %(name)s") % {"name": _inspector_name(visit)},
        visit.note,
    ]
    return build_workbook(
        _("Inspection report"), columns, list(rows_of(visit)), watermark=watermark, notes=notes
    )


def _inspector_name(visit) -> str:
    person = getattr(visit.inspector, "person", None)
    return person.name if person else visit.inspector.get_username()


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def report_pdf(visit, *, issuer: str, watermark: str) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    pdf.setTitle("督导检查情况报告")
    pdf.setAuthor(issuer)
    pdf.setSubject(watermark)

    def footer():
        pdf.setFont(FONT, 7)
        pdf.setFillGray(0.5)
        pdf.drawCentredString(width / 2, 10 * mm, watermark)
        pdf.setFillGray(0)

    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, height - 25 * mm, "督导检查情况报告")
    pdf.setFont(FONT, 10)
    y = height - 38 * mm
    answers = [a for s in visit_items(visit) for a in s["items"]]
    failed = sum(1 for a in answers if a["answer"] and a["answer"].result == Result.FAIL)
    head = [
        f"被检查单位：{visit.unit.name}",
        f"检查日期：{visit.day:%Y年%m月%d日}　检查人：{_inspector_name(visit)}",
        f"检查表：{visit.checklist.checklist.name}（第{visit.checklist.number}版）",
        f"检查项 {len(answers)} 项，发现问题 {failed} 项。",
    ]
    for line in head:
        pdf.drawString(18 * mm, y, line)
        y -= 6 * mm
    for section in visit_items(visit):
        if y < 30 * mm:
            footer()
            pdf.showPage()
            y = height - 20 * mm
        y -= 3 * mm
        pdf.setFont(FONT, 12)
        pdf.drawString(18 * mm, y, section["name"])
        y -= 7 * mm
        pdf.setFont(FONT, 10)
        for row in section["items"]:
            answer = row["answer"]
            mark = _answer_text(answer)
            line = f"{row['item'].label}：{mark}"
            if answer is not None and answer.note:
                line += f"（{answer.note}）"
            for part in _wrap(line, 44):
                if y < 20 * mm:
                    footer()
                    pdf.showPage()
                    pdf.setFont(FONT, 10)
                    y = height - 20 * mm
                pdf.drawString(24 * mm, y, part)
                y -= 5.5 * mm
    rects = list(visit.rectifications.order_by("id"))
    if rects:
        y -= 4 * mm
        pdf.setFont(FONT, 12)
        pdf.drawString(18 * mm, y, "整改事项")
        y -= 7 * mm
        pdf.setFont(FONT, 10)
        for rect in rects:
            due = show(rect.due_at, visit.unit, "datetime")
            line = f"{rect.title}：{rect.get_state_display()}，整改期限 {due}"
            for part in _wrap(line, 44):
                if y < 20 * mm:
                    footer()
                    pdf.showPage()
                    pdf.setFont(FONT, 10)
                    y = height - 20 * mm
                pdf.drawString(24 * mm, y, part)
                y -= 5.5 * mm
    if visit.note:
        y -= 4 * mm
        for part in _wrap(f"检查意见：{visit.note}", 44):
            pdf.drawString(18 * mm, y, part)
            y -= 5.5 * mm
    pdf.drawRightString(width - 18 * mm, max(y - 12 * mm, 22 * mm), issuer)
    footer()
    pdf.showPage()
    pdf.save()
    return out.getvalue()
