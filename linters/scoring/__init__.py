"""``tunespec score``: schema-validity and accuracy of model outputs, with the lint validators."""

from __future__ import annotations
