"""Unit tests for dashboard bodies (no AWS)."""

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import dashboard


def test_same_compares_as_data():
    stored = dashboard.parse('{"widgets": [{"type": "text", "width": 6, "properties": {"markdown": "x"}}]}')
    assert dashboard.same(stored, {"widgets": [{"properties": {"markdown": "x"}, "width": 6.0, "type": "text"}]})
    assert not dashboard.same(stored, {"widgets": [{"type": "text", "width": 7, "properties": {"markdown": "x"}}]})
    assert not dashboard.same(dashboard.parse("not json"), {"widgets": []})
    assert dashboard.parse(None) is None


def test_serialize_is_stable():
    assert dashboard.serialize({"widgets": [], "a": 1}) == dashboard.serialize({"a": 1, "widgets": []}) == \
        '{"a":1,"widgets":[]}'


@pytest.mark.parametrize("name, body, state, message", [
    ("", {"widgets": []}, "present", "name must be 1 to 255 letters, digits, '-' or '_', got ''"),
    ("a" * 256, {"widgets": []}, "present", "name must be 1 to 255"),
    ("web", None, "present", "body must be a dict with a list of widgets, got NoneType"),
    ("web", {"widgets": {}}, "present", "body must be a dict with a list of widgets, got dict with keys ['widgets']"),
    ("web", {"widgets": [{"x": 0}]}, "present", "widget 1 must be a dict with a type, got {'x': 0}"),
])
def test_validate_names_the_bad_value(name, body, state, message):
    with pytest.raises(dashboard.DashboardError) as e:
        dashboard.validate(name, body, state)
    assert str(e.value).startswith(message)


def test_absent_needs_no_body():
    dashboard.validate("web-bluegreen", None, "absent")
