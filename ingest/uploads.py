"""Refusing an oversized upload while it streams in, not after Django has stored all of it."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Multipart framing and the other form fields around the file.
ENVELOPE_BYTES = 64 * 1024


def too_large_message(size=None):
    limit = filesizeformat(settings.IMPORT_MAX_BYTES)
    if size:
        return _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.") % {
            "size": filesizeformat(size),
            "limit": limit,
        }
    return _("The file is larger than the limit of %(limit)s. Split it into smaller files.") % {
        "limit": limit
    }


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: stops storing an upload once it passes IMPORT_MAX_BYTES.

    A Content-Length over the limit stops it before the first byte is stored. Either way the
    request carries `upload_refused` (a message) for the view to show against the file field;
    the rest of the body is drained unread so that the browser still gets that page.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        self.declared_too_large = bool(
            content_length and content_length > settings.IMPORT_MAX_BYTES + ENVELOPE_BYTES
        )
        self.content_length = content_length

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared_too_large:
            self._refuse(self.content_length)

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self._refuse(None)
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self, size):
        if self.request is not None:
            self.request.upload_refused = too_large_message(size)
        raise StopUpload(connection_reset=False)


def upload_refused(request):
    """The message of an upload refused while streaming, or None."""
    return getattr(request, "upload_refused", None)
