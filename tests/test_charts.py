"""Chart specifications built from rows (synthetic rows, labelled as such)."""

from __future__ import annotations

from migcap.reports.charts import BAND_FIELDS, fan

# synthetic: two observed years and two projected ones
OBSERVED = [{"year": 2010, "observed": 200.0}, {"year": 2020, "observed": 280.0}]
PROJECTED = [{"year": y, "median": m, "lower80": m - 10, "upper80": m + 10, "lower95": m - 20,
              "upper95": m + 20}
             for y, m in ((2025, 300.0), (2030, 320.0))]


def test_fan_starts_from_the_last_observation() -> None:
    chart = fan("c", "T", OBSERVED + PROJECTED, y_title="persons", source="S")
    values = chart.spec["data"]["values"]
    anchor = [r for r in values if r["year"] == 2020 and "median" in r]
    assert anchor == [{"year": 2020, **dict.fromkeys(BAND_FIELDS, 280.0)}]
    assert len(values) == len(OBSERVED) + len(PROJECTED) + 1
    assert chart.title == "T" and chart.alt and chart.source == "S"


def test_fan_says_how_to_read_its_bands() -> None:
    from migcap.reports.charts import FAN_READING

    chart = fan("c", "T", PROJECTED, y_title="p", source="S")
    assert chart.caption == FAN_READING and "8 of 10" in FAN_READING and "19 of 20" in FAN_READING


def test_fan_adds_nothing_when_the_projection_overlaps_or_stands_alone() -> None:
    overlap = [*OBSERVED, {**PROJECTED[0], "year": 2020}]
    assert fan("c", "T", overlap, y_title="p", source="S").spec["data"]["values"] == overlap
    assert fan("c", "T", PROJECTED, y_title="p", source="S").spec["data"]["values"] == PROJECTED


def test_bars_colour_negative_values_apart() -> None:
    from migcap.reports.charts import OKABE_ITO, bars

    rows = [{"area": "A", "deviation_pct": -8.4}, {"area": "B", "deviation_pct": 4.0}]   # synthetic
    plain = bars("c", "T", rows, label="area", value="deviation_pct", value_title="%", source="S")
    assert "color" not in plain.spec["encoding"]
    signed = bars("c", "T", rows, label="area", value="deviation_pct", value_title="%", source="S",
                  negative_color=OKABE_ITO[5])
    assert signed.spec["encoding"]["color"] == {"condition": {"test": "datum['deviation_pct'] < 0",
                                                              "value": OKABE_ITO[5]}, "value": OKABE_ITO[0]}


def test_long_axis_titles_break_before_the_parenthesis() -> None:
    unit = "net migrants per year (average of the 5-year period ending mid-year)"
    chart = fan("c", "T", PROJECTED, y_title=unit, source="S")
    assert chart.spec["layer"][0]["encoding"]["y"]["title"] == [
        "net migrants per year", "(average of the 5-year period ending mid-year)"]
    assert fan("c", "T", PROJECTED, y_title="persons (1 July)", source="S").spec["layer"][0]["encoding"]["y"][
        "title"] == "persons (1 July)"
