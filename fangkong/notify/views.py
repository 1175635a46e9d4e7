from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.errors import InvalidInput, ServiceError
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.core.tasks import tasks_for
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .choices import Channel, State
from .forms import RuleForm
from .permissions import NotifyPerm
from .topics import list_topics, topic_label


class InboxLabel:
    """The navbar label of the inbox: its name and a badge that fetches the unread count
    by itself (htmx, on load and every 30 s), so no page pays a query for it and a
    reminder shows up without reloading."""

    def __str__(self):
        return format_html(
            '<span class="fk-nav-hide-lg">{}</span> <span class="badge rounded-pill '
            'text-bg-danger" data-testid="unread" '
            'hx-get="{}" hx-trigger="load, every 30s"></span>',
            gettext_lazy("Inbox"),
            reverse("notify:unread"),
        )


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    urgent_only = request.GET.get("urgent") == "1"
    messages = queries.list_inbox(request.user, unread_only=unread_only, urgent_only=urgent_only)
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    # A message about something that also waits on the to-do list says so.
    waiting = {task.url: task for task in tasks_for(request.user)}
    for message in page:
        message.task = waiting.get(message.url) if message.url else None
    query = "&".join(q for q, on in (("unread=1", unread_only), ("urgent=1", urgent_only)) if on)
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_only": unread_only, "urgent_only": urgent_only, "query": query},
    )


@never_cache
def unread_badge(request):
    """The badge's text: the unread count, or nothing (an expired session gets nothing
    rather than a login page swapped into the navbar)."""
    if not request.user.is_authenticated:
        return HttpResponse("")
    count = queries.count_unread(request.user)
    return HttpResponse(str(count) if count else "")


@login_required
@require_POST
def mark_read(request):
    message_id = request.POST.get("message", "")
    if message_id:
        if not message_id.isdigit():
            raise Http404
        message = queries.get_inbox_message_for(request.user, int(message_id))
        services.mark_read(user=request.user, message_ids=[message.pk])
    else:
        services.mark_read(user=request.user)
    target = reverse("notify:inbox")
    if request.POST.get("unread") == "1":
        target += "?unread=1"
    return redirect(target)


@login_required
def delivery_log(request):
    if scope_of(request.user, CorePerm.READ_ACCESS_LOG).empty:
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in Channel.values else ""
    rows = queries.list_messages_for(request.user, state=state, channel=channel)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/log.html",
        {
            "page": page,
            "state": state,
            "channel": channel,
            "states": State.choices,
            "channels": Channel.choices,
            "dead": State.DEAD,
            "dead_ids": [m.pk for m in page if m.state == State.DEAD],
            "can_route": not scope_of(request.user, NotifyPerm.MANAGE_ROUTING).empty,
            "query": urlencode({k: v for k, v in (("state", state), ("channel", channel)) if v}),
        },
    )


@login_required
@require_POST
def message_retry(request, message_id: int):
    try:
        services.retry_message(actor=request.user, message_id=message_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message will be sent again."))
    return _back_to_log(request)


def _back_to_log(request):
    back = request.POST.get("next", "")
    log = reverse("notify:log")
    return redirect(back if back.startswith(log) else log)


@login_required
@require_POST
def retry_dead(request):
    """Retry every dead message listed on the page the admin is looking at."""
    if scope_of(request.user, CorePerm.READ_ACCESS_LOG).empty:
        raise Http404
    ids = [int(v) for v in request.POST.getlist("message") if v.isdigit()]
    count = services.retry_dead_messages(actor=request.user, message_ids=ids)
    text = ngettext(
        "%(count)s message will be sent again.", "%(count)s messages will be sent again.", count
    )
    messages.success(request, text % {"count": count})
    return _back_to_log(request)


# --- routing rules ----------------------------------------------------------------------


def _require_routing(user):
    if scope_of(user, NotifyPerm.MANAGE_ROUTING).empty:
        raise Http404


def _form_errors(form, exc: ServiceError):
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@login_required
def rule_list(request):
    _require_routing(request.user)
    show_all = request.GET.get("all") == "1"
    rules = queries.list_rules_for(request.user, active_only=not show_all)
    page = Paginator(rules, 50).get_page(request.GET.get("page"))
    for rule in page:
        rule.topic_label = topic_label(rule.topic)
    return render(
        request,
        "notify/rules.html",
        {
            "page": page,
            "show_all": show_all,
            "query": "all=1" if show_all else "",
            "topics": list_topics(),
        },
    )


@login_required
def rule_create(request):
    _require_routing(request.user)
    form = RuleForm(request.POST or None, initial={"unit": request.GET.get("unit", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = get_unit_for(request.user, data["unit"].strip(), NotifyPerm.MANAGE_ROUTING)
        except Http404:
            form.add_error("unit", _("No such unit in your scope."))
        else:
            try:
                services.create_routing_rule(
                    actor=request.user,
                    unit=unit,
                    topic=data["topic"],
                    role=data["role"],
                    channels=data["channels"],
                    applies_to_subtree=data["applies_to_subtree"],
                )
            except ServiceError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The routing rule was saved."))
                return redirect("notify:rule_list")
    return render(request, "notify/rule_form.html", {"form": form, "rule": None})


@login_required
def rule_edit(request, rule_id: int):
    rule = queries.get_rule_for(request.user, rule_id)
    fields = ("topic", "role", "channels", "applies_to_subtree")
    form = RuleForm(
        request.POST or None, editing=True, initial={f: getattr(rule, f) for f in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_routing_rule(actor=request.user, rule=rule, **form.cleaned_data)
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The routing rule was saved."))
            return redirect("notify:rule_list")
    return render(request, "notify/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def rule_deactivate(request, rule_id: int):
    rule = queries.get_rule_for(request.user, rule_id)
    try:
        services.deactivate_routing_rule(actor=request.user, rule=rule)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The routing rule was switched off."))
    return redirect("notify:rule_list")


# --- 催办 ---------------------------------------------------------------------------------


@login_required
@require_POST
def chase(request):
    """Remind one unit (`unit`) or several (`unit` repeated) about `what`; htmx answers
    the outcome and each unit's receipt cell (out of band), a plain form goes back."""
    codes = request.POST.getlist("unit")
    try:
        outcomes = services.chase(
            actor=request.user, what=request.POST.get("what", ""), units=codes
        )
    except InvalidInput as exc:
        if exc.code == "unknown_unit":
            raise Http404 from None
        raise
    ok, text = services.describe_chases(outcomes)
    if not request.headers.get("HX-Request"):
        (messages.success if ok else messages.warning)(request, text)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
            back = reverse("home")
        return redirect(back)
    receipts = queries.list_chase_receipts(outcomes[0].what, [o.unit for o in outcomes])
    cells = [(o.unit, receipts.get(o.unit.pk)) for o in outcomes]
    return render(
        request,
        "notify/_chase_result.html",
        {
            "ok": ok,
            "text": text,
            "cells": cells,
            "what": outcomes[0].what,
            "next": request.POST.get("next", ""),
        },
    )
