"""The Simplified Chinese catalogue: complete, compiled, and used by the pages.

The .po file is read with a small parser of our own (no polib, no msgfmt), so these
checks run wherever the test suite runs.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrx%]")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def unquote(token: str) -> str:
    """The value of one PO string literal ("..."), C escapes resolved."""
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"not a PO string: {token!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Entries of a PO file (the header included, obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    key: str | None = None

    def finish():
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            flags, key = set(), None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()  # the comments of the next entry, without a blank line before it
                flags, key = set(), None
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith('"'):
            if entry is None or key is None:
                raise ValueError(f"line {number}: continuation without a keyword")
            value = unquote(line)
            if key.startswith("msgstr["):
                index = int(key[7:-1])
                entry.msgstr[index] += value
            elif key == "msgstr":
                entry.msgstr[0] += value
            else:
                setattr(entry, key, getattr(entry, key) + value)
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
            finish()  # a new entry without a blank line before it
            flags = set()
        if entry is None:
            entry = Entry(line=number, flags=flags)
        value = unquote(rest)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, value)
        elif keyword == "msgstr":
            entry.msgstr[0] = value
        elif re.fullmatch(r"msgstr\[\d+\]", keyword):
            entry.msgstr[int(keyword[7:-1])] = value
        else:
            raise ValueError(f"line {number}: unknown keyword {keyword!r}")
        key = keyword
    finish()
    return entries


def catalogue() -> tuple[dict[str, str], list[Entry]]:
    """(header fields, entries without the header)."""
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    assert header is not None, "the .po file has no header"
    fields = dict(
        line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line
    )
    return fields, [e for e in entries if e is not header]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


class ParserTests(SimpleTestCase):
    def test_parser_reads_every_form_of_entry(self):
        text = "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: zh_Hans\\n"',
                "",
                "#: a.py:1",
                "#, fuzzy, python-format",
                'msgid "Hello %(name)s"',
                'msgstr "你好，%(name)s"',
                "",
                'msgctxt "person"',
                'msgid ""',
                '"Name"',
                'msgstr "姓名"',
                "",
                'msgid "%(n)s unit"',
                'msgid_plural "%(n)s units"',
                'msgstr[0] ""',
                '"%(n)s 个"',
                '"单位"',
                "",
                '#~ msgid "Old"',
                '#~ msgstr "旧"',
                "#, c-format",
                'msgid "Say \\"hi\\"\\n"',
                'msgstr ""',
            ]
        )
        header, hello, name, units, quoted = parse_po(text)
        self.assertEqual(header.msgstr, {0: "Language: zh_Hans\n"})
        self.assertEqual(hello.flags, {"fuzzy", "python-format"})
        self.assertEqual(hello.msgstr, {0: "你好，%(name)s"})
        self.assertEqual((name.msgctxt, name.msgid, name.msgstr[0]), ("person", "Name", "姓名"))
        self.assertEqual(units.msgid_plural, "%(n)s units")
        self.assertEqual(units.msgstr, {0: "%(n)s 个单位"})
        self.assertEqual((quoted.msgid, quoted.msgstr[0]), ('Say "hi"\n', ""))
        self.assertEqual((units.flags, quoted.flags), (set(), {"c-format"}))


class CatalogueTests(SimpleTestCase):
    def test_header_is_for_simplified_chinese(self):
        header, _entries = catalogue()
        self.assertEqual(header.get("Language"), "zh_Hans")
        self.assertIn("charset=UTF-8", header.get("Content-Type", ""))
        self.assertEqual(header.get("Plural-Forms"), "nplurals=1; plural=0;")

    def test_every_entry_is_translated_and_not_fuzzy(self):
        _header, entries = catalogue()
        self.assertGreater(len(entries), 0)
        problems = []
        for entry in entries:
            if "fuzzy" in entry.flags:
                problems.append(f"{entry.label} is marked fuzzy")
            if not entry.msgstr.get(0):  # nplurals=1: msgstr[0] is the only form
                problems.append(f"{entry.label} has an empty msgstr")
            if entry.msgid_plural is not None and set(entry.msgstr) != {0}:
                problems.append(f"{entry.label} needs exactly msgstr[0] (nplurals=1)")
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_placeholders_are_kept(self):
        _header, entries = catalogue()
        problems = []
        for entry in entries:
            if "python-format" not in entry.flags:
                continue
            wanted = placeholders(entry.msgid)
            for index, text in entry.msgstr.items():
                if placeholders(text) != wanted:
                    problems.append(f"{entry.label} msgstr[{index}]: {text!r}")
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_compiled_catalogue_matches_the_po_file(self):
        """A stale .mo (the .po changed, compilemessages not run) fails here."""
        self.assertTrue(MO_FILE.exists(), "run `fangkong compilemessages`")
        with MO_FILE.open("rb") as fp:
            compiled = gettext.GNUTranslations(fp)
        _header, entries = catalogue()
        stale = []
        for entry in entries:
            if entry.msgid_plural is None and entry.msgctxt is None:
                got = compiled.gettext(entry.msgid)
            elif entry.msgid_plural is None:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            elif entry.msgctxt is None:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            else:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr.get(0, "")
            if got != want:
                stale.append(f"{entry.label}: .mo has {got!r}, .po has {want!r}")
        self.assertEqual(stale, [], "\n" + "\n".join(stale))


class LanguageTests(TestCase):
    def test_login_page_is_chinese_by_default(self):
        _header, entries = catalogue()
        log_in = next(e.msgstr[0] for e in entries if e.msgid == "Log in" and not e.msgctxt)
        self.assertRegex(log_in, CJK)
        response = self.client.get(reverse("login"))
        self.assertContains(response, '<html lang="zh-hans">')
        self.assertContains(response, log_in)
        self.assertNotContains(response, "Log in")

    def test_login_page_follows_accept_language(self):
        _header, entries = catalogue()
        log_in = next(e.msgstr[0] for e in entries if e.msgid == "Log in" and not e.msgctxt)
        response = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Log in")
        self.assertContains(response, "Password")
        self.assertNotContains(response, log_in)
