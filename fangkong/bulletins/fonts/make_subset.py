"""Build the bundled PDF font, `NotoSerifSC-GB2312.ttf`, from Noto Serif CJK SC (SIL Open
Font License 1.1, see OFL.txt): the characters of GB 2312 (6,763 hanzi, the set every
official document is typed in), ASCII, CJK and full-width punctuation, with the CFF
outlines converted to TrueType ones (ReportLab embeds TrueType outlines only).

Run once, by hand, with fontTools (not a dependency of the project):
    python fangkong/bulletins/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

OUT = Path(__file__).with_name("NotoSerifSC-GB2312.ttf")
FAMILY = "Noto Serif CJK SC"


def gb2312() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def codepoints() -> set[int]:
    cps = gb2312() | set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040))
    cps |= set(range(0xFF01, 0xFF5F)) | set(range(0x2010, 0x2030)) | {0x00B7, 0x00D7, 0x2116}
    return cps


def to_truetype(font) -> None:
    """CFF to glyf (the fontTools otf2ttf snippet): quadratic curves within 1 unit."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones maxTwilightPoints maxStorage maxFunctionDefs maxInstructionDefs "
        "maxStackElements maxSizeOfInstructions maxComponentElements"
    ).split():
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if FAMILY in f["name"].getDebugName(1))
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints())
    subsetter.subset(font)
    to_truetype(font)
    font.save(OUT)
    print(OUT, OUT.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1])
