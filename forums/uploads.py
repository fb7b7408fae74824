"""Uploaded files: the content decides the type, never the file name; each stored file keeps its
checked type, its size, and who uploaded it when."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


class StoredUpload(models.Model):
    """What every kind of uploaded file keeps beside its ``file`` (each kind has its own folder)."""

    content_type = models.CharField(gettext_lazy("content type"), max_length=50, editable=False)
    size = models.PositiveIntegerField(gettext_lazy("size in bytes"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("uploaded by"), on_delete=models.SET_NULL, null=True
    )
    uploaded_at = models.DateTimeField(gettext_lazy("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]


def stored_file_response(stored: StoredUpload, *, as_attachment: bool = False) -> FileResponse:
    """Serve a stored upload with the type its content was checked to be."""
    return file_response(stored.file, stored.content_type, as_attachment=as_attachment)


def file_response(file, content_type: str, *, filename: str = "", as_attachment: bool = False) -> FileResponse:
    """Serve a file from Django storage, never cached by shared caches (every download is
    permission-checked); a file lost from the storage is a 404."""
    try:
        content = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        content,
        as_attachment=as_attachment,
        content_type=content_type,
        filename=filename or file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private"
    return response
