"""The Chinese UI is whole: every string marked for translation in the code and the
templates has a zh_Hans translation that is neither missing nor fuzzy (a fuzzy one is not
compiled, so the page shows English). makemessages runs on a copy of the package, so the
checked-in catalogue is not touched."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[2]


class CatalogueTests(SimpleTestCase):
    def test_every_marked_string_has_a_chinese_translation(self):
        if shutil.which("xgettext") is None or shutil.which("msgattrib") is None:
            self.skipTest("gettext tools are not installed")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "fangkong"
            shutil.copytree(
                PACKAGE,
                copy,
                ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo", "static", "fonts"),
            )
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "makemessages",
                    "-l",
                    "zh_Hans",
                    "--no-obsolete",
                    "--settings=fangkong.settings",
                ],
                cwd=copy,
                check=True,
                capture_output=True,
            )
            po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
            missing = []
            for flag in ("--untranslated", "--only-fuzzy"):
                out = subprocess.run(
                    ["msgattrib", flag, "--no-obsolete", str(po)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                entries = [
                    e for e in out.split("\n\n") if "msgid" in e and 'msgid ""\nmsgstr' not in e
                ]
                missing += [e.strip() for e in entries]
        self.assertEqual(missing, [], "\n\n".join(missing))
