"""Checks for files attached to sessions: the content decides the type, never the file name."""

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


IMAGE_TYPES = {"image/jpeg", "image/png"}


def checked_content_type(upload: UploadedFile, allowed: set[str] = ALLOWED_TYPES) -> str:
    """The upload's real type if it is one of ``allowed`` (PDF, JPEG, PNG) and at most 10 MB."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; at most 10 MB can be uploaded."),
            params={"size": round(upload.size / 1024 / 1024, 1)},
            code="too_large",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in allowed:
        if allowed == IMAGE_TYPES:
            raise ValidationError(_("Only JPEG or PNG images can be uploaded."), code="wrong_type")
        raise ValidationError(_("Only PDF, JPEG or PNG files can be uploaded."), code="wrong_type")
    return kind.mime
