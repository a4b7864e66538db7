"""Pages of an import's draft: publish it, and the preview's choice for early deadlines.

(Discarding is ``views.import_discard``: an upload and a draft are discarded alike.)
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns.models import ListImport
from campaigns.services.drafts import list_import_publish
from campaigns.services.list_import_corrections import list_import_set_deadlines
from config.pages import post_only
from tasks.permissions import access_list_import


@login_required
@post_only("campaigns:import_detail")
def import_publish(request, slug: str, pk: int):
    """Publish a draft: its new list goes live, or its revision is applied. Exactly once."""
    list_import = access_list_import(request.user, slug, pk, with_preview=False)
    list_import = list_import_publish(list_import=list_import, by=request.user)
    if list_import.status == ListImport.Status.DONE:
        messages.success(request, _("Published: the list is live for its units from now on."))
    return redirect("campaigns:import_detail", slug=slug, pk=pk)


@login_required
@post_only("campaigns:import_detail")
def import_deadlines(request, slug: str, pk: int):
    """Keep deadlines before the campaign's start as written, or read them in its year."""
    list_import = access_list_import(request.user, slug, pk, with_preview=False)
    in_campaign_year = request.POST.get("deadlines") == "campaign_year"
    list_import_set_deadlines(
        list_import=list_import, by=request.user, in_campaign_year=in_campaign_year
    )
    messages.success(request, _("The deadlines were read again and the file checked again."))
    url = reverse("campaigns:import_detail", args=[slug, pk])
    return redirect(url + "#deadlines")
