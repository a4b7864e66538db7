"""Request bodies refused before they are stored (the 300 MB anonymous upload of the security
test): by their declared length before anything reads them, and while streaming, file by file,
in case a length lies or is absent."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.utils.translation import gettext as _


def body_limit(request) -> int:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return settings.REQUEST_MAX_BYTES
    return settings.ANONYMOUS_REQUEST_MAX_BYTES


class RequestSizeLimitMiddleware:
    """Answer 413 to a body longer than the caller may send, from its Content-Length alone:
    before the CSRF check or any form reads (and spools) it. Anonymous callers may send only
    a login form's worth."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            message = _("The request is too large (at most %(mb).1f MB).") % {
                "mb": limit / 1024 / 1024
            }
            return render(request, "400.html", {"message": message}, status=413)
        return self.get_response(request)


class SizeLimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops the upload as soon as one file or the whole body
    passes its limit, while the bytes stream in, so nothing larger reaches the disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.total = 0
        self.file_bytes = 0
        self.limit = body_limit(request) if request is not None else settings.REQUEST_MAX_BYTES
        self.file_limit = max(settings.UPLOAD_MAX_BYTES, settings.IMPORT_MAX_BYTES)

    def new_file(self, *args, **kwargs):
        self.file_bytes = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        self.file_bytes += len(raw_data)
        if self.total > self.limit or self.file_bytes > self.file_limit:
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
