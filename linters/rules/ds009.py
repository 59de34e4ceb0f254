"""DS009 unreadable-path: detected while expanding source globs in ``tunespec.spec.inputs``."""

from __future__ import annotations

from typing import ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Stage


class UnreadablePath(Rule):
    """A source glob met a dangling symlink, a symlink loop or an unreadable folder.

    What:
        A path under a source glob (``data/**/*.jsonl``) that cannot be read: a symlink whose
        target is gone, a symlink that leads back to a folder it is inside, or a folder
        without read permission. The glob stops there instead of skipping it silently or
        recursing until memory runs out.

    Why it hurts training:
        The records behind the link are silently missing from the dataset; a loop can make
        the compile hang.

    Bad:
        data/extra.jsonl -> ../removed/extra.jsonl   (target deleted)
        data/loop -> .                               (a folder link to its own parent)

    Good:
        data/extra.jsonl   (a regular file, or a link to one inside the project)
    """

    code: ClassVar[str] = "DS009"
    name: ClassVar[str] = "unreadable-path"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = (
        "A source glob met a dangling symlink, a symlink loop or an unreadable folder."
    )
    fixable: ClassVar[bool] = False
    stage: ClassVar[Stage] = "read"
    structural: ClassVar[bool] = True
