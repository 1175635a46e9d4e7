"""The bulletin as a document in the official layout (GB/T 9704 in spirit): the red header
(红头) with the issuing unit and 《疫情防控工作动态》, the number (第N期) and the as-of line,
a red rule, the sections in a 仿宋-like body, page numbers in the footer.

Both outputs are generated offline, with no office suite: the .docx with python-docx, its
Chinese runs naming their font in `w:eastAsia` (Word picks the Latin font otherwise and
falls back to a default CJK face) — 方正小标宋简体 for the title, 仿宋_GB2312 for the body,
黑体 for the headings, which Word on a government desktop has; the PDF with ReportLab, its
CJK font embedded (a subset of Noto Serif CJK SC, bundled in fonts/: no font is needed on
the reader's machine). The choice and its measurements: docs/bulletins.md."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import FREE_SECTIONS
from .models import Bulletin

FONT_FILE = Path(__file__).with_name("fonts") / "NotoSerifSC-GB2312.ttf"
PDF_FONT = "FkNotoSerifSC"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
RED = (0xE6, 0x00, 0x12)


def as_of_line(bulletin: Bulletin) -> str:
    local = timezone.localtime(bulletin.as_of, bulletin.unit.tzinfo)
    return _("As of %(m)s-%(d)s %(h)s:00") % {"m": local.month, "d": local.day, "h": local.hour}


def lines_of(bulletin: Bulletin) -> list[tuple[str, str]]:
    """The body as (kind, text) pairs, kind "h" (a heading) or "p" (a paragraph), the same
    for the .docx and the PDF."""
    out: list[tuple[str, str]] = []
    numerals = "一二三四五六七八九十"
    n = 0

    def heading(title):
        nonlocal n
        out.append(("h", f"{numerals[n % 10]}、{title}"))
        n += 1

    for section in bulletin.sections:
        heading(section["title"])
        parts = []
        for f in section["figures"]:
            text = f"{f['label']} {f['value'] if f['value'] is not None else '—'}"
            if f.get("change"):
                text += _(" (%(c)+d since yesterday)") % {"c": f["change"]}
            parts.append(text)
        if parts:
            out.append(("p", "；".join(parts) + "。"))
        if section.get("items"):
            prefix = section.get("note") or ""
            out.append(("p", prefix + "、".join(i["text"] for i in section["items"]) + "。"))
    for code, label in FREE_SECTIONS:
        text = getattr(bulletin, code)
        if text:
            heading(str(label))
            out.extend(("p", para.strip()) for para in text.splitlines() if para.strip())
    return out


# --- .docx ------------------------------------------------------------------------------------


def _font(run, name: str, size_pt: float, *, bold=False, color=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor(*color)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _page_number(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field(kind, text=""):
        run = paragraph.add_run(text)
        _font(run, BODY_FONT, 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)
        return run

    field(None, "— ")
    field("begin")
    instr = paragraph.add_run()
    _font(instr, BODY_FONT, 14)
    el = OxmlElement("w:instrText")
    el.set(qn("xml:space"), "preserve")
    el.text = " PAGE "
    instr._element.append(el)
    field("end")
    field(None, " —")


def to_docx(bulletin: Bulletin) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    def para(align=None, space_after=0):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        p.paragraph_format.line_spacing = Pt(28)
        return p

    red = para(WD_ALIGN_PARAGRAPH.CENTER, 6)
    red.paragraph_format.line_spacing = Pt(60)
    _font(
        red.add_run(_("Epidemic prevention and control work bulletin")), TITLE_FONT, 36, color=RED
    )
    issuer = para(WD_ALIGN_PARAGRAPH.CENTER, 6)
    _font(
        issuer.add_run(
            _("%(unit)s epidemic prevention and control office") % {"unit": bulletin.unit.name}
        ),
        BODY_FONT,
        16,
    )
    number = para(WD_ALIGN_PARAGRAPH.CENTER)
    _font(
        number.add_run(_("No. %(n)s, %(year)s") % {"n": bulletin.number, "year": bulletin.year}),
        BODY_FONT,
        16,
    )
    # The red rule under the header (a bottom border of the paragraph).
    rule = para(WD_ALIGN_PARAGRAPH.CENTER, 12)
    ppr = rule._element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "E60012")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)
    _font(rule.add_run(as_of_line(bulletin)), BODY_FONT, 14)
    for kind, text in lines_of(bulletin):
        p = para()
        if kind == "h":
            _font(p.add_run(text), HEADING_FONT, 16)
        else:
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(text), BODY_FONT, 16)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------

_registered = False


def _register_font() -> None:
    global _registered
    if _registered:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(PDF_FONT, str(FONT_FILE)))
    _registered = True


def _wrap(text: str, width: float, size: float, first_indent: float = 0) -> list[str]:
    """Lines of CJK text within `width` (characters break anywhere, as Chinese does; a
    closing punctuation mark never starts a line)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line, used, limit = [], "", 0.0, width - first_indent
    for ch in text:
        w = stringWidth(ch, PDF_FONT, size)
        if used + w > limit and line and ch not in "，。、；：！？）》”’":
            lines.append(line)
            line, used, limit = "", 0.0, width
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


def to_pdf(bulletin: Bulletin) -> bytes:
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas

    _register_font()
    red = Color(*(c / 255 for c in RED))
    out = io.BytesIO()
    pdf = canvas.Canvas(
        out, pagesize=A4, pageCompression=1, initialFontName=PDF_FONT, initialFontSize=15
    )
    pdf.setTitle(f"{bulletin.unit.name} {_('Epidemic prevention and control work bulletin')}")
    width, height = A4
    left, right, top, bottom = 2.8 * cm, 2.6 * cm, 3.7 * cm, 3.5 * cm
    body_w = width - left - right
    page = 1

    def footer():
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(PDF_FONT, 12)
        pdf.drawCentredString(width / 2, bottom - 1.2 * cm, f"— {page} —")

    pdf.setFillColor(red)
    pdf.setFont(PDF_FONT, 34)
    y = height - top
    pdf.drawCentredString(width / 2, y, _("Epidemic prevention and control work bulletin"))
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(PDF_FONT, 15)
    y -= 1.2 * cm
    pdf.drawCentredString(
        width / 2,
        y,
        _("%(unit)s epidemic prevention and control office") % {"unit": bulletin.unit.name},
    )
    y -= 0.8 * cm
    pdf.drawCentredString(
        width / 2, y, _("No. %(n)s, %(year)s") % {"n": bulletin.number, "year": bulletin.year}
    )
    y -= 0.4 * cm
    pdf.setStrokeColor(red)
    pdf.setLineWidth(2)
    pdf.line(left, y, width - right, y)
    y -= 0.9 * cm
    pdf.setFont(PDF_FONT, 14)
    pdf.drawString(left, y, as_of_line(bulletin))
    y -= 1.0 * cm
    size, leading = 15, 26
    for kind, text in lines_of(bulletin):
        indent = 0 if kind == "h" else 2 * size
        for i, line in enumerate(_wrap(text, body_w, size, indent)):
            if y < bottom:
                footer()
                pdf.showPage()
                page += 1
                y = height - top
            pdf.setFont(PDF_FONT, size)
            pdf.drawString(left + (indent if i == 0 else 0), y, line)
            y -= leading
        if kind == "h":
            y -= 2
    footer()
    pdf.showPage()
    pdf.save()
    return out.getvalue()
