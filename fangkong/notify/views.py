from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of

from . import queries, services
from .choices import Channel, State


class InboxLabel:
    """The navbar label of the inbox: its name and a badge that fetches the unread count
    by itself (htmx, on load and every 30 s), so no page pays a query for it and a
    reminder shows up without reloading."""

    def __str__(self):
        return format_html(
            '{} <span class="badge rounded-pill text-bg-danger" data-testid="unread" '
            'hx-get="{}" hx-trigger="load, every 30s"></span>',
            gettext_lazy("Inbox"),
            reverse("notify:unread"),
        )


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(queries.list_inbox(request.user, unread_only=unread_only), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "notify/inbox.html", {"page": page, "unread_only": unread_only})


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
    if scope_of(request.user, "read_access_log").empty:
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
            "page": page, "state": state, "channel": channel, "states": State.choices,
            "channels": Channel.choices, "dead": State.DEAD,
            "query": urlencode({k: v for k, v in (("state", state), ("channel", channel)) if v}),
        },
    )  # fmt: skip


@login_required
@require_POST
def message_retry(request, message_id: int):
    try:
        services.retry_message(actor=request.user, message_id=message_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message will be sent again."))
    back = request.POST.get("next", "")
    log = reverse("notify:log")
    return redirect(back if back.startswith(log) else log)
