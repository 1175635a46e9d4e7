from django.http import HttpResponse


def fund_list(request, **kw):
    return HttpResponse("")


def fund_new(request, **kw):
    return HttpResponse("")


def fund_detail(request, **kw):
    return HttpResponse("")


def fund_export(request, **kw):
    return HttpResponse("")


def allocate(request, **kw):
    return HttpResponse("")


def proposal_new(request, **kw):
    return HttpResponse("")


def proposal_detail(request, **kw):
    return HttpResponse("")


def proposal_edit(request, **kw):
    return HttpResponse("")


def proposal_submit(request, **kw):
    return HttpResponse("")


def proposal_decide(request, **kw):
    return HttpResponse("")


def payment_new(request, **kw):
    return HttpResponse("")


def attachment(request, **kw):
    return HttpResponse("")
