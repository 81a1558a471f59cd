"""The registry is data, validated at load: a bad entry fails naming the entry and field."""

from __future__ import annotations

import tomllib

import pytest

from cxmetrics.metrics import registry as registry_module
from cxmetrics.metrics.registry import (
    PACKAGED_REGISTRY,
    VIEWS,
    RegistryError,
    default_registry,
    for_team,
    headline_metric,
    in_section,
    in_view,
    load_declarations,
    load_registry,
    parse_registry,
)
from cxmetrics.store.rollups import ROLLUP_SUMS

SHIPPED_METRICS = {
    "nps", "inps", "csat", "ces", "responses", "service_level", "asa", "aht",
    "abandon_rate", "adherence", "conformance", "occupancy", "productivity",
    "transfer_rate", "fcr", "callback_kept", "repeat_contact",
}  # fmt: skip


def _document() -> dict:
    with PACKAGED_REGISTRY.open("rb") as fh:
        return tomllib.load(fh)


def _entries():
    return _document()["metric"]


def _with(metric_id, **changes):
    """The packaged registry with one metric entry changed (None removes a field)."""
    document = _document()
    for entry in document["metric"]:
        if entry["id"] == metric_id:
            entry.update(changes)
            for key, value in list(entry.items()):
                if value is None:
                    del entry[key]
    return document


def test_default_registry_loads_the_shipped_metrics():
    ids = list(default_registry())
    assert set(ids) >= SHIPPED_METRICS
    assert set(ids) == {entry["id"] for entry in _entries()}  # every entry, once
    assert len(ids) == len(_entries())


def test_metrics_come_in_card_order_sections_then_order():
    document = _document()
    section_rank = {s["id"]: i for i, s in enumerate(document["section"])}
    group_rank = {g["id"]: i for i, g in enumerate(document["group"])}
    group_of = {s["id"]: s["group"] for s in document["section"]}

    def rank(entry):
        section = entry["section"]
        return group_rank[group_of[section]], section_rank[section], entry["order"]

    expected = [e["id"] for e in sorted(document["metric"], key=rank)]
    assert list(default_registry()) == expected
    assert expected[0] == "nps"  # the headline opens the card
    reg = default_registry()
    for section in document["section"]:
        members = in_section(reg, section["id"])
        assert members, section["id"]
        assert [reg[m].order for m in members] == sorted(reg[m].order for m in members)
        assert {reg[m].group for m in members} == {section["group"]}


def test_presentation_fields_are_declared():
    reg = default_registry()
    assert reg["nps"].short_label == "NPS" and reg["aht"].short_label == "AHT"
    assert len({m.short_label for m in reg.values()}) == len(reg)  # distinct table columns
    assert in_view(reg, "headline") == ["nps"]
    # the rule "an internal team's headline is iNPS" is one field of one entry
    assert reg["nps"].internal_headline == "inps"
    assert [m.id for m in reg.values() if m.internal_headline] == ["nps"]
    assert headline_metric(reg) == "nps" and headline_metric(reg, internal=True) == "inps"
    assert for_team(reg, "csat", internal=True) == "csat"
    assert reg["inps"].only_with_data
    for view in VIEWS:
        for metric_id in in_view(reg, view):
            assert view in reg[metric_id].views
    assert not [m for m in in_view(reg, "agent_table") if reg[m].queue_measure]


def test_every_metric_is_described():
    for metric in default_registry().values():
        assert len(metric.description) > 20, metric.id
        assert metric.formula and metric.source, metric.id


def test_directions_and_default_tolerances():
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
    assert len(err.value.problems) == 1, err.value.problems  # one change, one problem


@pytest.mark.parametrize(
    ("metric_id", "changes", "message"),
    [
        ("csat", {"section": "money"}, "metric `csat`: field `section` is 'money'"),
        ("csat", {"section": None}, "metric `csat`: field `section` is missing"),
        ("csat", {"order": 1}, "metric `csat`: field `order` is 1, as is metric `nps`'s"),
        ("csat", {"order": "3"}, "metric `csat`: field `order` must be a whole number"),
        ("csat", {"short_label": "NPS"}, "metric `csat`: field `short_label` 'NPS' is also"),
        ("csat", {"short_label": None}, "metric `csat`: field `short_label` is missing"),
        ("csat", {"views": ["glanse"]}, "metric `csat`: field `views` names 'glanse'"),
        ("csat", {"views": "glance"}, "metric `csat`: field `views` must be a list"),
        ("csat", {"views": ["glance", "glance"]}, "metric `csat`: field `views` names a view"),
        ("asa", {"views": ["agent_table"]}, "metric `asa`: field `views` has `agent_table`"),
        ("csat", {"views": ["headline"]}, "exactly one metric must have view `headline`"),
        ("nps", {"views": ["headline"]}, "metric `nps`: field `views` has `headline` without"),
        ("nps", {"internal_headline": "inpss"}, "field `internal_headline` is 'inpss'"),
        ("nps", {"internal_headline": "csat"}, "names `csat`, which must have the same unit"),
        ("csat", {"only_with_data": "yes"}, "metric `csat`: field `only_with_data` must be"),
        ("csat", {"label": "CSAT {x}"}, "metric `csat`: field `label` may hold only {t}"),
        ("csat", {"label": "Net Promoter Score"}, "field `label` 'Net Promoter Score' is also"),
    ],
)
def test_bad_presentation_fields_fail_naming_entry_and_field(metric_id, changes, message):
    with pytest.raises(RegistryError) as err:
        parse_registry(_with(metric_id, **changes))
    assert message in str(err.value)


def test_sections_and_groups_are_checked():
    document = _document()
    document["section"].append({"id": "empty", "group": "service", "title": "Nothing here"})
    document["section"][0]["group"] = "money"
    document["group"].append({"id": "spare", "title": "Spare", "colour": "red"})
    document["slides"] = []
    document["metric"].append("oops")
    document["business"].append(dict(document["business"][0]))
    with pytest.raises(RegistryError) as err:
        parse_registry(document)
    problems = err.value.problems
    position = len(document["metric"])
    assert f"metric `#{position}` is 'oops', not a table of fields" in problems
    assert "business `sales_per_fte` is declared twice" in problems
    assert "section `customer`: field `group` is 'money'; declared groups: customer, service, " \
        "spare" in problems  # fmt: skip
    assert "section `empty` has no metric: remove it or give it one" in problems
    assert "group `spare`: unknown field(s) colour" in problems
    assert "group `spare` has no section: remove it or give it one" in problems
    assert any(p.startswith("unknown table `slides`") for p in problems)


def test_every_problem_is_reported_at_once_naming_entry_and_field():
    """Like MetricFlow's validator: one pass finds all of them, not the first only."""
    document = _with("csat", kind="median")
    for entry in document["metric"]:
        if entry["id"] == "asa":
            entry["numerator"] = "calls.wait_seconds"
            entry["direction"] = "up"
        if entry["id"] == "fcr":
            entry["short_label"] = "AHT"
    document["business"][0]["aggregation"] = "median"
    with pytest.raises(RegistryError) as err:
        parse_registry(document)
    problems = err.value.problems
    assert problems == [
        "business `sales_per_fte`: field `aggregation` is 'median'; use one of mean, sum",
        "metric `csat`: field `kind` is 'median'; use one of nps, proportion, ratio, mean, count",
        "metric `asa`: field `numerator` names source `calls`; known sources: "
        + ", ".join(ROLLUP_SUMS),
        "metric `asa`: field `direction` is 'up'; use one of higher, lower, none",
        "metric `fcr`: field `short_label` 'AHT' is also metric `aht`'s: tables and tiles "
        "need them distinct",
    ]
    message = str(err.value)
    assert message.startswith("5 problems: business `sales_per_fte`")
    assert "\n" not in message  # one line on the command line


def test_duplicate_id_and_bad_toml_fail(tmp_path):
    document = _document()
    document["metric"].append(dict(document["metric"][0], order=99, short_label="x", label="y"))
    with pytest.raises(RegistryError, match="declared twice"):
        parse_registry(document)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[metric]\nid = ")
    with pytest.raises(RegistryError, match=r"registry bad\.toml: not valid TOML"):
        load_registry(bad)


def test_the_registry_setting_names_the_file_in_use(tmp_path, monkeypatch):
    """CXMETRICS_REGISTRY points the app and the command line at another registry file."""
    document = PACKAGED_REGISTRY.read_text(encoding="utf-8")
    other = tmp_path / "ours.toml"
    other.write_text(document.replace('label = "Net Promoter Score"', 'label = "Our NPS"'))
    monkeypatch.setenv("CXMETRICS_REGISTRY", str(other))
    registry_module.reset()
    try:
        assert default_registry()["nps"].label == "Our NPS"
        monkeypatch.setenv("CXMETRICS_REGISTRY", str(tmp_path / "missing" / "gone.toml"))
        registry_module.reset()
        with pytest.raises(RegistryError) as err:
            default_registry()
        message = str(err.value)
        assert message.startswith("registry gone.toml: cannot be read")
        assert "CXMETRICS_REGISTRY" in message and str(tmp_path) not in message  # no path
    finally:
        monkeypatch.delenv("CXMETRICS_REGISTRY")
        registry_module.reset()
    assert default_registry()["nps"].label == "Net Promoter Score"
    assert load_declarations().sections.keys() == {"customer", "speed", "right"}


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
