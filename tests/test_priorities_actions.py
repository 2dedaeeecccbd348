"""Rules as data: the bundled rules file, its checks, and reasons turned into actions."""

from __future__ import annotations

import pytest

from lpt.errors import LPTError
from lpt.priorities.actions import REASON_KINDS, RulesError, actions_for, load_rules

STREET = {"ward_code": "E05000001", "lsoa21_code": "E01000001", "street_name": "Mill Lane"}


def reason(kind: str, strength: float = 0.5, **figures) -> dict:
    return {"kind": kind, "text": f"{kind} here", "strength": strength, "figures": figures}


def write(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


GOOD = """
[[rule]]
id = "knock"
when = { kind = "engagement_gap" }
action = "Door-knock {street_name}"
who = "officer"
priority = 1
"""


def test_bundled_rules_load_and_cover_every_reason_kind():
    rules = load_rules()
    assert {kind for rule in rules.rules for kind in rule.kinds} == set(REASON_KINDS)
    assert {r.id for r in rules.rules} >= {
        "door_knock_registration", "patrol_top_crime", "key_contacts_confidence", "partners_persistent_concern",
    }
    assert [f.after for f in rules.follow_ups] == ["public_concern"]
    assert rules.rule("feedback_to_residents").who == "officer"


def test_templates_are_filled_from_street_and_figures():
    reasons = [
        reason("engagement_gap", 0.6, coverage_pct=12.0, ward_coverage_pct=25.44),
        reason("crime_rise", 0.7, crime_type="Burglary", change_pct=40),
        reason("public_concern", 0.7, topic="litter_flytipping", share_pct=45.0),
        reason("confidence_gap", 0.5, confident_pct=40.0, force_confident_pct=55.0),
    ]
    by_rule = {a["rule_id"]: a for a in actions_for(STREET, reasons)}
    assert by_rule["door_knock_registration"]["action"] == (
        "Door-knock Mill Lane to invite registration (12% registered against 25.4% in the ward)"
    )
    assert by_rule["patrol_top_crime"]["action"] == "Patrol and problem-solve Burglary on Mill Lane"
    assert "litter and fly-tipping in Mill Lane" in by_rule["partners_persistent_concern"]["action"]
    assert by_rule["partners_persistent_concern"]["who"] == "partners"
    assert by_rule["key_contacts_confidence"]["reason_kinds"] == ["confidence_gap"]
    assert by_rule["door_knock_registration"]["reasons"] == [reasons[0]]  # links back to its reason


def test_strength_and_figure_conditions():
    weak = [reason("public_concern", 0.3, topic="drugs"), reason("expected_harm", 0.5, crime_type="Robbery")]
    rules = {a["rule_id"] for a in actions_for(STREET, weak)}
    assert "partners_persistent_concern" not in rules and "harm_supervisor_plan" not in rules
    assert "officer_answer_concern" in rules and "patrol_top_crime" in rules
    # the engagement rule needs the coverage figures (figure_max and its template)
    assert actions_for(STREET, [reason("engagement_gap", 0.9)]) == []


def test_figure_conditions_from_a_file(tmp_path):
    rules = load_rules(write(tmp_path, """
[[rule]]
id = "big_rise"
when = { kind = "crime_rise", figure_min = { change_pct = 30 }, figure_in = { crime_type = ["Burglary"] } }
action = "Target {crime_type}"
who = "officer"
priority = 1
"""))
    assert actions_for(STREET, [reason("crime_rise", crime_type="Burglary", change_pct=40)], rules)
    assert not actions_for(STREET, [reason("crime_rise", crime_type="Burglary", change_pct=20)], rules)
    assert not actions_for(STREET, [reason("crime_rise", crime_type="Robbery", change_pct=40)], rules)


def test_defaults_fill_missing_figures_and_own_figures_win():
    harm = reason("expected_harm", 0.9)  # no crime type
    rise = reason("crime_rise", 0.6, crime_type="Burglary", change_pct=40)
    patrol = next(a for a in actions_for(STREET, [harm]) if a["rule_id"] == "patrol_top_crime")
    assert patrol["action"] == "Patrol and problem-solve the most harmful crime types on Mill Lane"
    # the stronger harm reason lacks the figure; the rise carries it, so its words are used
    patrol = next(a for a in actions_for(STREET, [harm, rise]) if a["rule_id"] == "patrol_top_crime")
    assert patrol["action"] == "Patrol and problem-solve Burglary on Mill Lane"
    assert patrol["reason_kinds"] == ["crime_rise", "expected_harm"]


def test_one_action_per_rule_ordered_by_priority():
    reasons = [
        reason("engagement_gap", 0.99, coverage_pct=5.0, ward_coverage_pct=30.0),
        reason("crime_rise", 0.6, crime_type="Burglary", change_pct=40),
        reason("crime_rise", 0.8, crime_type="Drugs", change_pct=90),
        reason("expected_harm", 0.85, crime_type="Violence and sexual offences"),
        reason("public_concern", 0.9, topic="drugs"),
    ]
    found = actions_for(STREET, reasons)
    ids = [a["rule_id"] for a in found]
    assert len(ids) == len(set(ids))
    priorities = [a["priority"] for a in found]
    assert priorities == sorted(priorities)
    assert ids[0] == "harm_supervisor_plan" and ids[-1] == "door_knock_registration"
    patrol = found[1]
    assert patrol["action"] == "Patrol and problem-solve Violence and sexual offences on Mill Lane"  # strongest
    assert len(patrol["reasons"]) == 3
    assert actions_for(STREET, []) == []
    assert actions_for(STREET, reasons) == found  # pure


def test_identical_texts_from_two_rules_are_merged(tmp_path):
    rules = load_rules(write(tmp_path, GOOD + """
[[rule]]
id = "knock_too"
when = { kind = "vulnerability" }
action = "Door-knock {street_name}"
who = "officer"
priority = 2
"""))
    found = actions_for(STREET, [reason("engagement_gap"), reason("vulnerability")], rules)
    assert [(a["rule_id"], a["reason_kinds"]) for a in found] == [("knock", ["engagement_gap", "vulnerability"])]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind = \"engagement_gap\"", "kind = \"weather\""), "rule 'knock': field 'when.kind'"),
        (("who = \"officer\"", "who = \"mayor\""), "rule 'knock': field 'who': 'mayor' is not one of"),
        (("priority = 1", "priority = \"high\""), "rule 'knock': field 'priority'"),
        (("priority = 1\n", ""), "rule 'knock': field 'priority': missing"),
        (("{ kind", "{ min_strength = 1.5, kind"), "rule 'knock': field 'when.min_strength'"),
        (("{ kind", "{ colour = 1, kind"), "rule 'knock': field 'when.colour': unknown condition"),
        (("{street_name}", "{street_name"), "rule 'knock': field 'action': bad template"),
        (("{street_name}", "{street.name}"), "rule 'knock': field 'action': placeholder"),
        (("id = \"knock\"", "id = \"Knock me\""), "rule 1: field 'id'"),
        (("who = ", "colour = 1\nwho = "), "rule 'knock': field 'colour': unknown field"),
        (("when = { kind = \"engagement_gap\" }\n", ""), "rule 'knock': field 'when': missing"),
        (("[[rule]]", "[[rules]]"), "unknown section 'rules'"),
        (("priority = 1", "priority = 1\n[[follow_up]]\nid = \"knock\"\nafter = \"public_concern\"\n"
          "action = \"x\"\nwho = \"officer\"\npriority = 2"), "rule 'knock': field 'id': used by more than one"),
        (("priority = 1", "priority = 1\n[[follow_up]]\nid = \"fb\"\nafter = \"praise\"\n"
          "action = \"x\"\nwho = \"officer\"\npriority = 2"), "rule 'fb': field 'after'"),
        (("who", "= broken"), "not valid TOML"),
    ],
)
def test_bad_rules_files_name_rule_and_field(tmp_path, change, message):
    old, new = change
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RulesError, match=message) as raised:
        load_rules(path)
    assert str(path) in str(raised.value) and isinstance(raised.value, LPTError)


def test_missing_or_empty_rules_file(tmp_path):
    with pytest.raises(RulesError, match="cannot read the rules file"):
        load_rules(tmp_path / "none.toml")
    with pytest.raises(RulesError, match="no \\[\\[rule\\]\\]"):
        load_rules(write(tmp_path, ""))
