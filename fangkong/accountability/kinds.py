"""The registry of entry kinds: a label, a one-line description of an entry's facts, and
an optional link to the record the entry is about.

This app registers the kinds of the daily report. A later app (incidents: escalation
late or missing) registers its own from its AppConfig.ready() and records entries with
`services.record_entry`; the ledger, the export and the API then show them like any other:

    register_kind("incident_late", _("incident reported late"), describe=…, link=…)
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from fangkong.core.localtime import show

from .choices import EntryKind


@dataclass(frozen=True)
class Kind:
    value: str
    label: object  # a lazy translation
    describe: Callable[[object], str] | None = None  # entry → one line
    link: Callable[[object], str] | None = None  # entry → URL of the record, or ""
    # [entries of the kind] → None: load what describe and link need for a whole page in
    # one query (the record's title, say), so a page of the ledger is not a query a row.
    prefetch: Callable[[list], None] | None = None


_kinds: dict[str, Kind] = {}


def register_kind(value: str, label, *, describe=None, link=None, prefetch=None) -> None:
    if len(value) > 40:
        raise ValueError("an entry kind is at most 40 characters")
    _kinds[value] = Kind(value, label, describe, link, prefetch)


def prefetch(entries) -> list:
    """Let each kind load, at once, what the descriptions of `entries` need; returns the
    entries as a list (for `paginate(items=…)`)."""
    entries = list(entries)
    by_kind: dict[str, list] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    for value, group in by_kind.items():
        kind = _kinds.get(value)
        if kind is not None and kind.prefetch is not None:
            kind.prefetch(group)
    return entries


def is_known(value: str) -> bool:
    return value in _kinds


def kind_label(value: str) -> str:
    kind = _kinds.get(value)
    return str(kind.label) if kind else value


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in _kinds.values()]


def describe(entry) -> str:
    kind = _kinds.get(entry.kind)
    if kind is None or kind.describe is None:
        return ""
    try:
        return kind.describe(entry)
    except (KeyError, TypeError, ValueError):  # facts of an older shape: show the kind only
        return ""


def link(entry) -> str:
    kind = _kinds.get(entry.kind)
    if kind is None or kind.link is None:
        return ""
    try:
        return kind.link(entry)
    except (NoReverseMatch, KeyError):
        return ""


# --- the kinds of the daily report ----------------------------------------------------


def when(entry, key: str) -> str:
    """A time stored in the entry's facts (ISO with its offset) on the unit's clock, as
    "02-03 09:00" ("—" when absent)."""
    return show(entry.facts.get(key), entry.unit, "short") or "—"


def _describe_late(entry) -> str:
    f = entry.facts
    return _("%(form)s due %(deadline)s, filed %(filed)s: %(minutes)s minutes late") % {
        "form": f["form_name"],
        "deadline": when(entry, "deadline"),
        "filed": when(entry, "filed_at"),
        "minutes": f["minutes_late"],
    }


def _describe_missing(entry) -> str:
    f = entry.facts
    return _("%(form)s due %(deadline)s, not filed at %(checked)s") % {
        "form": f["form_name"],
        "deadline": when(entry, "deadline"),
        "checked": when(entry, "checked_at"),
    }


def _describe_correction(entry) -> str:
    f = entry.facts
    changes = "; ".join(f"{code} {old} → {new}" for code, (old, new) in f["changes"].items())
    return _(
        "%(form)s version %(revision)s filed %(at)s, after the cut-off %(deadline)s; "
        "reason: %(reason)s; changes: %(changes)s"
    ) % {
        "form": f["form_name"],
        "revision": f["revision"],
        "at": when(entry, "corrected_at"),
        "deadline": when(entry, "deadline"),
        "reason": f["reason"] or "—",
        "changes": changes or "—",
    }


def _report_link(entry) -> str:
    return reverse(
        "reporting:report", args=[entry.facts["form"], entry.unit.code, entry.day.isoformat()]
    )


register_kind(
    EntryKind.LATE_FILING, EntryKind.LATE_FILING.label, describe=_describe_late, link=_report_link
)
register_kind(
    EntryKind.MISSING_REPORT,
    EntryKind.MISSING_REPORT.label,
    describe=_describe_missing,
    link=_report_link,
)
register_kind(
    EntryKind.CORRECTION_AFTER_CUTOFF,
    EntryKind.CORRECTION_AFTER_CUTOFF.label,
    describe=_describe_correction,
    link=_report_link,
)
