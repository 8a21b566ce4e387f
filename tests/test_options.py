"""One default per option: the typed options, the schema and config.yaml agree key for key, in all 12 sections."""

import dataclasses

import pytest
import yaml

from subflow.errors import StageError
from subflow.options import SECTIONS, Options, WorkflowOptions
from tests.conftest import ROOT

SCHEMA = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
TOP_LEVEL = {name: spec for name, spec in SCHEMA["properties"].items() if spec.get("type") != "object"}


def defaults(options: type[Options]) -> dict:
    fields = [f for f in dataclasses.fields(options) if not isinstance(f.type, type) or not issubclass(f.type, Options)]
    return {f.name: f.default if f.default_factory is dataclasses.MISSING else f.default_factory() for f in fields}


def test_every_config_section_has_its_options_class():
    sections = {name for name, spec in SCHEMA["properties"].items() if spec.get("type") == "object"}
    assert {options.section for options in SECTIONS} == sections
    assert len(SECTIONS) + 1 == 12  # the stage sections, export (sidecars, written by mux) and the top level


@pytest.mark.parametrize("options", SECTIONS, ids=lambda options: options.section)
def test_defaults_agree_with_the_schema_and_config_yaml(options: type[Options]):
    schema = SCHEMA["properties"][options.section]["properties"]
    assert defaults(options) == {key: spec["default"] for key, spec in schema.items()}
    assert defaults(options) == CONFIG[options.section]


def test_top_level_defaults_agree_with_the_schema_and_config_yaml():
    top = defaults(WorkflowOptions)
    assert top == {key: spec["default"] for key, spec in TOP_LEVEL.items()}
    assert top == {key: CONFIG[key] for key in TOP_LEVEL}


def test_config_yaml_builds_the_defaults():
    assert WorkflowOptions.from_config(CONFIG) == WorkflowOptions()


@pytest.mark.parametrize("options", [*SECTIONS, WorkflowOptions], ids=lambda options: options.section or "top")
def test_an_unknown_key_is_an_error_naming_it(options: type[Options]):
    with pytest.raises(StageError, match="unknown option.*speling"):
        options.from_config({"speling": 1})


def test_a_nested_section_with_an_unknown_key_is_an_error():
    with pytest.raises(StageError, match="asr: unknown option.*asr_model"):
        WorkflowOptions.from_config({**CONFIG, "asr": {"asr_model": "tiny"}})
