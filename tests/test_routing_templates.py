"""Sandboxed Jinja2 args (handlers/routing/templates.py)."""
import pytest

from handlers.routing.templates import TemplateRenderError, render_args, template_problem

CONTEXT = {
    "payload": {"id": 6, "name": "Test Booking", "tags": ["vip"], "total": "630.00", "none": None,
                "client": [{"id": "4", "name": "Jane"}], "ratio": 0.5, "flag": True},
    "event": {"id": "evt_1", "source": "foxoms", "name": "bookingCreated", "received_at": "2026-01-01T00:00:00Z"},
}


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{{ payload.id }}", 6),
        ("  {{ payload.id }}  ", 6),
        ("{{- payload.id -}}", 6),
        ("{{ -payload.id }}", -6),
        ("{{ payload.ratio }}", 0.5),
        ("{{ payload.flag }}", True),
        ("{{ payload.none }}", None),
        ("{{ payload.tags }}", ["vip"]),
        ("{{ payload.client[0] }}", {"id": "4", "name": "Jane"}),
        ("{{ payload.client.0.name }}", "Jane"),
        ("{{ payload.id | string }}", "6"),
        ("{{ payload.total | float }}", 630.0),
        ("#{{ payload.id }}", "#6"),
        ("{{ payload.id }}{{ payload.id }}", "66"),
        ("Booking {{ payload.name }} confirmed", "Booking Test Booking confirmed"),
        ("{{ event.source }}/{{ event.name }}/{{ event.id }}", "foxoms/bookingCreated/evt_1"),
        ("{{ payload.notes | default('none') }}", "none"),
        ("{% if payload.notes is defined %}yes{% else %}no{% endif %}", "no"),
        ("{% for t in payload.tags %}[{{ t }}]{% endfor %}", "[vip]"),
        ("{{ payload | tojson }}", None),  # checked below: a JSON string
        ("<b>{{ payload.name }}</b> & co", "<b>Test Booking</b> & co"),
        ("no template at all", "no template at all"),
        ("{{ [payload.id, payload.name] }}", [6, "Test Booking"]),
        ("{{ {'name': payload.name} }}", {"name": "Test Booking"}),
    ],
)
def test_render(template, expected):
    rendered = render_args({"value": template}, CONTEXT)["value"]
    if expected is None and "tojson" in template:
        assert rendered.startswith('{"client"') and isinstance(rendered, str)
    else:
        assert rendered == expected
        assert type(rendered) is type(expected)


def test_render_walks_dicts_and_lists_and_keeps_other_values():
    args = {"fields": {"name": "T {{ payload.id }}", "priority": "medium", "count": 3, "ok": False},
            "records": [{"id": "{{ payload.id }}"}, "{{ event.id }}"]}
    assert render_args(args, CONTEXT) == {
        "fields": {"name": "T 6", "priority": "medium", "count": 3, "ok": False},
        "records": [{"id": 6}, "evt_1"],
    }


def test_render_does_not_change_the_args():
    args = {"a": ["{{ payload.id }}"]}
    render_args(args, CONTEXT)
    assert args == {"a": ["{{ payload.id }}"]}


def test_missing_field_is_an_error_naming_the_arg():
    with pytest.raises(TemplateRenderError, match=r"^args\.fields\.name: UndefinedError: .*'notes'"):
        render_args({"fields": {"name": "x {{ payload.notes }}"}}, CONTEXT)


def test_missing_field_in_a_typed_arg_is_an_error():
    with pytest.raises(TemplateRenderError, match="UndefinedError"):
        render_args({"id": "{{ payload.notes }}"}, CONTEXT)


ESCAPES = [
    "{{ payload.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "x {{ payload.__class__.__init__.__globals__ }}",
    "{{ payload | attr('__class__') }}",
    "{{ '{0.__class__}'.format(payload) }}",
    "{{ payload.tags.append('x') }}",
    "{{ payload.update({'id': 1}) }}",
    "{{ payload.items }}",
    "{{ payload.id.__class__.__base__ }}",
    "{{ event.name.__len__() }}",
    "{{ 'a' * 100000000 }}",
    "{{ [1] * 100000000 }}",
    "{{ 2 ** 100000 }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_sandbox_escapes_are_refused(template):
    with pytest.raises(TemplateRenderError):
        render_args({"value": template}, CONTEXT)
    assert CONTEXT["payload"]["tags"] == ["vip"] and CONTEXT["payload"]["id"] == 6


@pytest.mark.parametrize(
    "template, problem",
    [
        ("{{ payload.name ", "template syntax error: unexpected end of template"),
        ("{% if payload.id %}x", "template syntax error: Unexpected end of template"),
        ("{{ payload.name }", "template syntax error"),
        ("{% include '/etc/passwd' %}", "may not include, import or extend"),
        ("{% extends 'base.html' %}", "may not include, import or extend"),
        ("{% import 'macros' as m %}", "may not include, import or extend"),
        ("{{ config }}", "unknown name 'config'"),
        ("{{ environ['HOME'] }}", "unknown name 'environ'"),
        ("{{ lipsum.__globals__.os }}", "unknown name 'lipsum'"),
        ("{{ cycler.__init__.__globals__ }}", "unknown name 'cycler'"),
        ("{{ range(10) }}", "unknown name 'range'"),
        ("{{ self }}", "unknown name 'self'"),
    ],
)
def test_template_problems_at_load_time(template, problem):
    assert problem in template_problem(template)


@pytest.mark.parametrize(
    "template",
    ["plain", "{{ payload.id }}", "{% set x = payload.id %}{{ x }}", "{{ event.received_at }}",
     "{% for t in payload.tags %}{{ loop.index }}{{ t }}{% endfor %}", "{{ payload.name | upper | truncate(3) }}"],
)
def test_good_templates_have_no_problem(template):
    assert template_problem(template) is None
