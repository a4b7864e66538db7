from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormToken(models.Model):
    """One sending of one rendered form.

    A page renders each of its POST forms with a fresh random token (``{% form_token %}``). The
    first request that carries it claims it by inserting this row; the unique constraint on
    ``token`` makes any other request with the same token, at the same instant or later, fail
    to insert, so it never reaches the view. When the first request ends in a redirect, the
    address it led to is kept in ``location`` and the repeats are sent there too; when it ends
    any other way (a refused form, an error) the row is deleted, since nothing was done.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    path = models.CharField(_("address"), max_length=500)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    # Empty while the first request runs; then where its redirect led.
    location = models.CharField(_("result"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return f"{self.path} {self.created_at:%Y-%m-%d %H:%M}"
