"""Pydantic models of ``tunespec.yaml``; one module per section."""

from __future__ import annotations

from tunespec.spec.models.base import StrictModel
from tunespec.spec.models.dedup import DedupSpec
from tunespec.spec.models.lint import LintSpec
from tunespec.spec.models.normalize import NormalizeSpec
from tunespec.spec.models.output_schema import OutputSchemaSpec
from tunespec.spec.models.root import Spec
from tunespec.spec.models.sources import SourceSpec
from tunespec.spec.models.split import SplitSpec
from tunespec.spec.models.style import StyleSpec
from tunespec.spec.models.target import TargetSpec
from tunespec.spec.models.train import TrainSpec

__all__ = [
    "DedupSpec",
    "LintSpec",
    "NormalizeSpec",
    "OutputSchemaSpec",
    "SourceSpec",
    "Spec",
    "SplitSpec",
    "StrictModel",
    "StyleSpec",
    "TargetSpec",
    "TrainSpec",
]
