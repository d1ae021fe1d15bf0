"""Messages from Jinja2 templates (``notify/templates/<template>.<locale>.j2``), zh-CN first.

A template's first line is the subject; the rest, after a blank line, is the body. A locale without
its own template falls back to zh-CN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from notify.domain.recipients import Locale


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class Renderer:
    def __init__(self) -> None:
        # Plain text (mail text/plain, robot markdown, SMS): nothing to escape.
        self._env = Environment(  # noqa: S701
            loader=PackageLoader("notify", "templates"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, template: str, locale: Locale, context: dict[str, Any]) -> Rendered:
        try:
            source = self._env.get_template(f"{template}.{locale.value}.j2")
        except TemplateNotFound:
            source = self._env.get_template(f"{template}.{Locale.ZH_CN.value}.j2")
        text = source.render(**context).strip()
        subject, _, body = text.partition("\n")
        return Rendered(subject=subject.strip(), body=body.strip())

    def templates(self) -> list[str]:
        return sorted({name.split(".")[0] for name in self._env.list_templates()})
