"""The registry is data, validated at load: a bad entry fails naming the entry and field."""

from __future__ import annotations

import tomllib

import pytest

from cxmetrics.metrics.registry import (
    REGISTRY_PATH,
    RegistryError,
    default_registry,
    load_registry,
    parse_registry,
)


def _entries():
    with REGISTRY_PATH.open("rb") as fh:
        return tomllib.load(fh)["metric"]


def _with(metric_id, **changes):
    entries = _entries()
    for entry in entries:
        if entry["id"] == metric_id:
            entry.update(changes)
            for key, value in list(entry.items()):
                if value is None:
                    del entry[key]
    return {"metric": entries}


def test_default_registry_loads_all_design_metrics():
    ids = list(default_registry())
    assert ids == [
        "nps",
        "inps",
        "csat",
        "ces",
        "responses",
        "service_level",
        "asa",
        "aht",
        "abandon_rate",
        "adherence",
        "conformance",
        "occupancy",
        "productivity",
        "transfer_rate",
        "fcr",
        "callback_kept",
        "repeat_contact",
    ]


def test_every_metric_is_described():
    for metric in default_registry().values():
        assert len(metric.description) > 20, metric.id
        assert metric.formula and metric.source, metric.id


def test_directions_and_default_tolerances_follow_design():
    reg = default_registry()
    lower = {m.id for m in reg.values() if m.direction == "lower"}
    assert lower == {"asa", "aht", "abandon_rate", "transfer_rate", "repeat_contact"}
    assert reg["nps"].amber_tolerance == 5 and reg["csat"].amber_tolerance == 5
    assert reg["asa"].amber_tolerance == pytest.approx(3.0)  # 10 % of 30 s
    assert reg["aht"].target is None and reg["aht"].amber_tolerance is None


def test_queue_measures_and_clustered_ratios_are_declared():
    reg = default_registry()
    queue = {m.id for m in reg.values() if m.queue_measure}
    assert queue == {"service_level", "asa", "abandon_rate"}
    assert all(reg[m].scopes == ("org", "team") for m in queue)
    assert reg["aht"].scopes == ("org", "team", "agent")
    clustered = {m.id for m in reg.values() if m.cluster == "agent"}
    assert clustered == {"adherence", "conformance", "occupancy", "productivity"}
    # occupancy and productivity read the matched agent-days and count those left out
    for metric_id in ("occupancy", "productivity"):
        assert reg[metric_id].sources == ("adherence",)
        assert reg[metric_id].parts["excluded"] == (("adherence", "unmatched_days"),)


def test_business_units_read_after_the_number():
    from cxmetrics.metrics.registry import business_registry

    units = {k.id: k.unit for k in business_registry().values()}
    assert units == {"sales_per_fte": "per FTE", "quality_score": "/100", "learning_hours": "hours"}


@pytest.mark.parametrize(
    ("metric_id", "changes", "message"),
    [
        ("csat", {"kind": "median"}, "metric `csat`: field `kind` is 'median'"),
        ("csat", {"denominator": None}, "metric `csat`: kind proportion needs field `denominator`"),
        ("nps", {"direction": "up"}, "metric `nps`: field `direction` is 'up'"),
        ("asa", {"numerator": "interactions.wait"}, "names sum `wait`"),
        ("asa", {"numerator": "calls.wait_seconds"}, "names source `calls`"),
        ("fcr", {"description": ""}, "metric `fcr`: field `description` is missing"),
        ("fcr", {"min_n": 0}, "metric `fcr`: field `min_n`"),
        ("fcr", {"target": "high"}, "metric `fcr`: field `target` must be a number"),
        ("fcr", {"colour": "red"}, "metric `fcr`: unknown field(s) colour"),
        ("adherence", {"cluster": "team"}, "metric `adherence`: field `cluster` is 'team'"),
        ("csat", {"cluster": "agent"}, "field `cluster` is only for kind ratio, not proportion"),
        (
            "occupancy",
            {"numerator": "interactions.handle_minutes"},
            "metric `occupancy`: field `cluster` needs every part from one rollup",
        ),
        ("asa", {"queue_measure": "yes"}, "metric `asa`: field `queue_measure` must be true"),
        (
            "adherence",
            {"n": "adherence.unmatched_days"},
            "metric `adherence`: field `n` of a clustered ratio must be one of",
        ),
        (
            "adherence",
            {"numerator": "adherence.unmatched_days"},
            "metric `adherence`: its interval needs Σ over agents of unmatched_days × "
            "unmatched_days, which the `adherence` rollup does not keep",
        ),
        ("fcr", {"id": "fcr-1"}, "metric `fcr-1`: field `id` must be lower-case"),
        (
            "adherence",
            {"numerator_sq": "adherence.agent_days"},
            "field `numerator_sq` is not used by kind ratio",
        ),
        ("nps", {"numerator": "surveys.promoters"}, "field `numerator` is not used by kind nps"),
    ],
)
def test_bad_entries_fail_naming_entry_and_field(metric_id, changes, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(_with(metric_id, **changes))
    assert message in str(err.value)


def test_duplicate_id_and_bad_toml_fail(tmp_path):
    entries = _entries()
    with pytest.raises(RegistryError, match="declared twice"):
        parse_registry({"metric": [*entries, entries[0]]})
    bad = tmp_path / "bad.toml"
    bad.write_text("[[metric]\nid = ")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(bad)


def test_readme_states_how_the_numbers_are_made():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = " ".join(readme.read_text(encoding="utf-8").split())
    # two-sided metrics: green within the tolerance, amber within twice it
    assert "green within ± the tolerance, amber within ± twice the tolerance" in text
    assert "pooled two-proportion (score) test" in text
    assert "var(R) = G/(G − 1) · Σ(Y_g − R·X_g)² / (ΣX)²" in text
    assert '"not applicable (a queue measure)"' in text
    assert "CXMETRICS_SERVICE_LEVEL_BY_CHANNEL" in text
