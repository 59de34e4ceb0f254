"""The root of ``tunespec.yaml``."""

from __future__ import annotations

from pydantic import Field

from tunespec.spec.models.base import StrictModel
from tunespec.spec.models.dedup import DedupSpec
from tunespec.spec.models.lint import LintSpec
from tunespec.spec.models.normalize import NormalizeSpec
from tunespec.spec.models.output_schema import OutputSchemaSpec
from tunespec.spec.models.sources import SourceSpec
from tunespec.spec.models.split import SplitSpec
from tunespec.spec.models.style import StyleSpec
from tunespec.spec.models.target import TargetSpec
from tunespec.spec.models.train import TrainSpec


class Spec(StrictModel):
    """A tunespec dataset spec."""

    version: int = Field(1, ge=1, le=1, description="Spec format version.")
    name: str = Field("dataset", description="Dataset name, used in reports and the manifest.")
    # describes the data, not how it is compiled: left out of model_dump, hence of the spec hash
    license: str | None = Field(
        None,
        exclude=True,
        description="Licence of the compiled data as a Hugging Face licence id (`apache-2.0`, "
        "`cc-by-4.0`, `mit`, `other`, ...), written to the artefact's dataset card `README.md`.",
    )
    sources: list[SourceSpec] = Field(min_length=1, description="Input files and their layouts.")
    target: TargetSpec = Field(default_factory=TargetSpec, description="Output format of the compiled artefact.")
    normalize: NormalizeSpec = Field(default_factory=NormalizeSpec, description="Text normalization.")
    split: SplitSpec = Field(default_factory=SplitSpec, description="Train/validation/test split.")
    style: StyleSpec = Field(default_factory=StyleSpec, description="Style rules for message text.")
    output_schema: OutputSchemaSpec | None = Field(None, description="What assistant answers must obey.")
    dedup: DedupSpec = Field(default_factory=DedupSpec, description="Duplicate removal.")
    lint: LintSpec = Field(default_factory=LintSpec, description="Rule selection and thresholds.")
    train: TrainSpec = Field(default_factory=TrainSpec, description="Training settings for `tunespec train`.")
    tokenizer: str | None = Field(
        None, description="Local tokenizer (tokenizer.json file or folder) for token counts; an estimate is used otherwise."
    )
