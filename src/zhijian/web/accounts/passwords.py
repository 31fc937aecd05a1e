"""Password rules with Chinese messages.

Django's Chinese catalogue translates the other validators' messages, but not the
minimum length's (its wording changed in Django 5.2 and the catalogue still has the old
one), so a procurator would read it in English.
"""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length (12 in the settings), said in Chinese."""

    def get_error_message(self) -> str:
        return f"密码太短：至少需要 {self.min_length} 个字符，请换一个更长的密码。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
