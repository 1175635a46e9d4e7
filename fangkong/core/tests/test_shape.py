"""One shape for every app (docs/architecture.md, "The shape of an app"): the rule is
checked here so that an app that grows, or a new one, cannot drift from it."""

import ast
import re
from pathlib import Path

from django.test import SimpleTestCase

FANGKONG = Path(__file__).resolve().parents[2]
LAYERS = ("services", "queries", "views", "api")
# A layer module passing this many lines turns the app's four layers into packages.
PACKAGE_AT = 800  # lines as ruff format writes them (docs/architecture.md)
# Sweeps the worker runs from outside an app's sweeps.py: core's own housekeeping, and the
# two the ops branch moves into incidents/sweeps.py and notify/sweeps.py (drop them then).
# core holds mechanisms, not an app: its sweeps (idempotency keys, follow-ups) live beside them.
SWEEPS_ELSEWHERE = {
    "core.idempotency_purge",
    "core.followups",
    "core.followups_purge",
    "core.statistics",
}


def apps() -> list[Path]:
    return sorted(p.parent for p in FANGKONG.glob("*/apps.py") if p.parent.name != "core")


def lines(path: Path) -> int:
    files = sorted(path.glob("*.py")) if path.is_dir() else [path]
    return sum(len(f.read_text().splitlines()) for f in files)


def layer(app: Path, name: str) -> Path | None:
    for candidate in (app / name, app / f"{name}.py"):
        if candidate.exists():
            return candidate
    return None


class AppShapeTests(SimpleTestCase):
    def test_layers_are_modules_until_one_passes_the_limit_then_all_are_packages(self):
        for app in apps():
            present = {n: p for n in LAYERS if (p := layer(app, n)) is not None}
            sizes = {n: lines(p) for n, p in present.items()}
            grown = any(
                (p.is_dir() and lines(p) > PACKAGE_AT) or (p.is_file() and sizes[n] > PACKAGE_AT)
                for n, p in present.items()
            )
            with self.subTest(app=app.name, sizes=sizes):
                shapes = {n: p.is_dir() for n, p in present.items()}
                self.assertEqual(set(shapes.values()), {grown}, shapes)

    def test_a_layer_package_holds_its_code_in_capability_modules(self):
        """`__init__.py` is a docstring (and, for api, the router joining the modules')."""
        for app in apps():
            for name in LAYERS:
                init = app / name / "__init__.py"
                if not init.exists():
                    continue
                tree = ast.parse(init.read_text())
                code = [
                    type(node).__name__
                    for node in tree.body
                    if not isinstance(node, ast.Import | ast.ImportFrom)
                    and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
                    and not (name == "api" and isinstance(node, ast.Assign | ast.For))
                ]
                with self.subTest(package=f"{app.name}/{name}"):
                    self.assertEqual(code, [])

    def test_one_name_for_each_kind_of_module(self):
        odd = re.compile(r"^((forms|views|services|queries|api)_\w+|validators|setup|exports)\.py$")
        found = [
            str(p.relative_to(FANGKONG))
            for app in apps()
            for p in app.glob("*.py")
            if odd.match(p.name)
        ]
        self.assertEqual(found, [])

    def test_every_sweep_is_registered_from_its_apps_sweeps_module(self):
        from fangkong.core.worker import sweeps

        for sweep in sweeps():
            if sweep.name in SWEEPS_ELSEWHERE:
                continue
            with self.subTest(sweep=sweep.name):
                module = sweep.run.__module__
                self.assertTrue(module.endswith(".sweeps"), module)
                self.assertEqual(module.split(".")[1], sweep.name.split(".")[0])
