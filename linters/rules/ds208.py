"""DS208 pii."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, text_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example
    from tunespec.spec.models import Spec

PII = {
    "url": re.compile(r"\bhttps?://[^\s<>\"']+|\bwww\.[a-z0-9-]+\.[a-z]{2,}\S*", re.I),
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    "phone": re.compile(
        r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?|\d{2,4}[\s.-])\d{2,4}[\s.-]\d{3,4}(?![\w])"
    ),
}


class Pii(Rule):
    """A message contains a URL, e-mail address or phone number the spec forbids.

    What:
        `style.forbid_pii` lists the kinds to flag: `url`, `email`, `phone` (international and Japanese formats
        such as +1 415-555-0100, 03-1234-5678, (090) 1234-5678).

    Why it hurts training:
        Fine-tuned models memorize rare strings; contact details in the data can be regurgitated to other users,
        and made-up URLs teach the model to invent links.

    Bad:
        Contact me at jane.doe@example.com or 03-1234-5678.

    Good:
        Contact the support desk through the help page.
    """

    code: ClassVar[str] = "DS208"
    name: ClassVar[str] = "pii"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = (
        "URLs, e-mail addresses or phone numbers where `style.forbid_pii` forbids them."
    )

    @classmethod
    def enabled(cls, spec: Spec | None) -> bool:
        return spec is not None and bool(spec.style.forbid_pii)

    def check(self, example: Example) -> Iterable[Violation]:
        assert self.ctx.spec is not None
        kinds = self.ctx.spec.style.forbid_pii
        for i, m in enumerate(example.messages):
            for kind in kinds:
                found = PII[kind].search(m.content)
                if found:
                    yield Violation(
                        f"{m.role} turn {i} contains a {kind}: {found.group()[:60]!r}",
                        json_path=text_path(self.ctx.spec, example, i, found.start()),
                        hint=f"remove or mask the {kind}",
                    )
