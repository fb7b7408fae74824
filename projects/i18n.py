"""Reading translated content: the reader's language first, then the text's original language.

A text shown in another language than the reader's is marked as such, so nobody mistakes an
untranslated Macedonian paragraph for a missing one, or a fallback for a translation.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def per_language(*fields: str) -> list[str]:
    """``title`` → ``title_en, title_mk, title_bg, title_sq``: the translated columns of a field."""
    return [f"{field}_{code}" for field in fields for code in LANGUAGE_CODES]


@dataclass(frozen=True)
class LocalizedText:
    text: str
    language: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text


def original_language_of(obj) -> str | None:
    """The language an object's content was written in: its own, or its project's."""
    language = getattr(obj, "original_language", None)
    if language:
        return language
    project = getattr(obj, "project", None)
    return getattr(project, "original_language", None) if project is not None else None


def localized(obj, field: str, language: str | None = None) -> LocalizedText:
    """The field's text in ``language`` (default: active), else in the original language, else any."""
    wanted = language or get_language() or settings.LANGUAGE_CODE
    order = [wanted, original_language_of(obj), settings.LANGUAGE_CODE, *LANGUAGE_CODES]
    for code in dict.fromkeys(c for c in order if c):
        text = getattr(obj, f"{field}_{code}", None)
        if text:
            return LocalizedText(text=text, language=code, is_fallback=code != wanted)
    return LocalizedText(text="", language=wanted, is_fallback=False)


def translations_of(obj, field: str) -> dict[str, str]:
    """Every language's text of a field, empty strings where no translation exists."""
    return {code: getattr(obj, f"{field}_{code}", "") or "" for code in LANGUAGE_CODES}


def require_translation(obj, field: str) -> None:
    """Refuse an object whose translated ``field`` is empty in every language.

    Translated base fields are ``blank=True`` because Django would otherwise validate them in
    whatever language happens to be active; this is the rule that replaces that check.
    """
    if not any(translations_of(obj, field).values()):
        raise ValidationError(
            {f"{field}_{settings.LANGUAGE_CODE}": _("Give this text in at least one language.")},
            code="untranslated",
        )
