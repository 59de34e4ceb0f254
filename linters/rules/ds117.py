"""DS117 control-token."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from tunespec.linters.findings import Severity
from tunespec.linters.rule import Rule, Violation, message_path

if TYPE_CHECKING:
    from tunespec.spec.example import Example

CONTROL_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|end|>",
    "<|eos|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<s>",
    "</s>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<|pad|>",
)


class ControlToken(Rule):
    """Message text contains a chat-template control token.

    What:
        Special tokens of chat templates (`<|im_end|>`, `<|im_start|>`, `<s>`, `</s>`, `[INST]`, `<|eot_id|>`,
        `<|endoftext|>`, ...) written literally inside message text; extra tokens come from `lint.control_tokens`.

    Why it hurts training:
        The text was rendered through a template twice. Tokenizers may map the literal to the real special token, so
        the model learns to end turns in the middle of an answer or to emit template markup.

    Bad:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!<|im_end|>"}]}

    Good:
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    """

    code: ClassVar[str] = "DS117"
    name: ClassVar[str] = "control-token"
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = "Chat-template control tokens inside message text."
    structural: ClassVar[bool] = True

    def _pattern(self) -> re.Pattern[str]:
        pattern = self.ctx.cache.get("ds117")
        if pattern is None:
            extra = tuple(self.ctx.spec.lint.control_tokens) if self.ctx.spec else ()
            tokens = sorted(set(CONTROL_TOKENS + extra), key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(t) for t in tokens))
            self.ctx.cache["ds117"] = pattern
        return pattern

    def check(self, example: Example) -> Iterable[Violation]:
        for m in example.messages:
            c = m.content
            if "<" in c or "[" in c:
                break
        else:
            return ()
        return self._violations(example)

    def _violations(self, example: Example) -> Iterable[Violation]:
        pattern = self._pattern()
        for i, m in enumerate(example.messages):
            if "<" not in m.content and "[" not in m.content:
                continue
            found = pattern.search(m.content)
            if found:
                yield Violation(
                    f"{m.role} turn {i} contains the control token {found.group()!r}",
                    json_path=message_path(example, i),
                    col=None,
                    hint="store plain text; the chat template adds control tokens when training",
                )
