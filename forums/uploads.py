"""Checks for files attached to sessions: the content decides the type, never the file name."""

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def checked_content_type(upload: UploadedFile) -> str:
    """The upload's real type if it is a PDF, JPEG or PNG of at most 10 MB; a clear error otherwise."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; at most 10 MB can be uploaded."),
            params={"size": round(upload.size / 1024 / 1024, 1)},
            code="too_large",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(_("Only PDF, JPEG or PNG files can be uploaded."), code="wrong_type")
    return kind.mime
