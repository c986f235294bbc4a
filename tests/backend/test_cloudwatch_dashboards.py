"""Dashboards: put, get, list, delete, the body's checks, the typed widgets, the scenario."""

from __future__ import annotations

import json

import pytest

from backend.cloud import DEFAULT_START, Cloud
from backend.scenarios import ScenarioError, apply, load_scenario, parse_scenario
from backend.services import new_cloud
from backend.services.cloudwatch import CloudWatchService
from backend.services.cloudwatch.dashboards import (
    STRING_ONLY,
    AlarmWidget,
    Findings,
    MetricLine,
    MetricWidget,
    TextWidget,
    expand,
    read_body,
)
from tests.backend.helpers import cw, cw_error

ARN = "arn:aws:cloudwatch::123456789012:dashboard/"
GRAPH = {
    "type": "metric",
    "x": 0,
    "y": 0,
    "width": 12,
    "height": 6,
    "properties": {
        "metrics": [["AWS/SQS", "NumberOfMessagesSent", "QueueName", "orders"]],
        "region": "us-east-1",
        "view": "timeSeries",
    },
}


def body(*widgets: object, **top: object) -> str:
    return json.dumps({"widgets": list(widgets), **top})


async def test_a_dashboard_is_put_got_listed_and_deleted(cloud: Cloud) -> None:
    text = body(GRAPH)
    put = await cw(cloud, "PutDashboard", DashboardName="shop", DashboardBody=text)
    assert put == {"DashboardValidationMessages": []}
    got = await cw(cloud, "GetDashboard", DashboardName="shop")
    assert got == {"DashboardArn": f"{ARN}shop", "DashboardBody": text, "DashboardName": "shop"}
    listed = await cw(cloud, "ListDashboards")
    assert listed["DashboardEntries"] == [
        {
            "DashboardName": "shop",
            "DashboardArn": f"{ARN}shop",
            "LastModified": DEFAULT_START,
            "Size": len(text),
        }
    ]
    await cw(cloud, "DeleteDashboards", DashboardNames=["shop"])
    assert (await cw(cloud, "ListDashboards"))["DashboardEntries"] == []
    error = await cw_error(cloud, "GetDashboard", DashboardName="shop")
    assert (error.code, error.legacy_code, error.status) == (
        "DashboardNotFoundError",
        "ResourceNotFound",
        404,
    )
    assert error.message == "Dashboard shop does not exist"


async def test_dashboards_are_global_not_per_region(cloud: Cloud) -> None:
    await cw(cloud, "PutDashboard", DashboardName="shop", DashboardBody=body())
    elsewhere = await cloud.call("cloudwatch", "ListDashboards", {}, region="eu-west-1")
    assert [e["DashboardName"] for e in elsewhere["DashboardEntries"]] == ["shop"]
    got = await cloud.call(
        "cloudwatch", "GetDashboard", {"DashboardName": "shop"}, region="eu-west-1"
    )
    assert got["DashboardArn"] == f"{ARN}shop"


async def test_putting_again_replaces_the_body_and_moves_last_modified(cloud: Cloud) -> None:
    await cw(cloud, "PutDashboard", DashboardName="shop", DashboardBody=body())
    await cloud.clock.advance(60)
    await cw(cloud, "PutDashboard", DashboardName="shop", DashboardBody=body(GRAPH))
    [entry] = (await cw(cloud, "ListDashboards"))["DashboardEntries"]
    assert entry["LastModified"] == DEFAULT_START + 60
    assert (await cw(cloud, "GetDashboard", DashboardName="shop"))["DashboardBody"] == body(GRAPH)


async def test_list_dashboards_filters_by_prefix_and_pages_by_a_thousand(cloud: Cloud) -> None:
    for i in range(1002):
        await cw(cloud, "PutDashboard", DashboardName=f"d-{i:04}", DashboardBody=body())
    await cw(cloud, "PutDashboard", DashboardName="other", DashboardBody=body())
    first = await cw(cloud, "ListDashboards", DashboardNamePrefix="d-")
    assert len(first["DashboardEntries"]) == 1000
    second = await cw(
        cloud, "ListDashboards", DashboardNamePrefix="d-", NextToken=first["NextToken"]
    )
    assert [e["DashboardName"] for e in second["DashboardEntries"]] == ["d-1000", "d-1001"]
    assert "NextToken" not in second
    error = await cw_error(cloud, "ListDashboards", NextToken=first["NextToken"])
    assert error.code == "InvalidNextToken"
    error = await cw_error(cloud, "ListDashboards", DashboardNamePrefix="a b")
    assert error.legacy_code == "InvalidParameterValue"


async def test_delete_dashboards_is_all_or_nothing(cloud: Cloud) -> None:
    await cw(cloud, "PutDashboard", DashboardName="keep", DashboardBody=body())
    error = await cw_error(cloud, "DeleteDashboards", DashboardNames=["keep", "gone"])
    assert (error.legacy_code, error.status) == ("ResourceNotFound", 404)
    assert "gone" in error.message
    assert len((await cw(cloud, "ListDashboards"))["DashboardEntries"]) == 1


@pytest.mark.parametrize(
    "name", ["", "a b", "dash/board", "d" * 256, "é"], ids=["empty", "space", "slash", "long", "é"]
)
async def test_dashboard_names_are_letters_digits_dash_and_underscore(
    cloud: Cloud, name: str
) -> None:
    error = await cw_error(cloud, "PutDashboard", DashboardName=name, DashboardBody=body())
    assert (error.code, error.legacy_code) == (
        "DashboardInvalidInputError",
        "InvalidParameterInput",
    )
    assert "can only contain alphanumerics, dash (-) and underscore (_)" in error.message


@pytest.mark.parametrize("text", ["{", "[]", '"widgets"', "null"])
async def test_a_body_that_is_no_json_object_is_refused(cloud: Cloud, text: str) -> None:
    error = await cw_error(cloud, "PutDashboard", DashboardName="d", DashboardBody=text)
    assert (error.legacy_code, error.message) == (
        "InvalidParameterInput",
        "The field DashboardBody must be a valid JSON object",
    )


async def test_a_body_that_fails_the_structure_quotes_every_failure(cloud: Cloud) -> None:
    bad = {
        "type": "metric",
        "width": 30,
        "properties": {"metrics": [["AWS/SQS", "NumberOfMessagesSent", {"stat": "Sum"}, "x"]]},
    }
    error = await cw_error(cloud, "PutDashboard", DashboardName="d", DashboardBody=body(bad))
    assert error.legacy_code == "InvalidParameterInput"
    head, listed = error.message.split("\n", 1)
    assert head == "The dashboard body is invalid, there are 2 validation errors:"
    assert json.loads(listed) == [
        {"dataPath": "/widgets/0/width", "message": "Should be <= 24"},
        {"dataPath": "/widgets/0/properties/metrics/0/2", "message": STRING_ONLY},
    ]
    assert (await cw(cloud, "ListDashboards"))["DashboardEntries"] == []


async def test_unknown_widget_members_are_warnings_and_the_dashboard_is_saved(
    cloud: Cloud,
) -> None:
    put = await cw(
        cloud, "PutDashboard", DashboardName="d", DashboardBody=body({**GRAPH, "colour": "red"})
    )
    assert put["DashboardValidationMessages"] == [
        {
            "DataPath": "/widgets/0/colour",
            "Message": 'The "colour" property is not expected to be part of a widget '
            "definition, will be ignored",
        }
    ]
    assert (await cw(cloud, "GetDashboard", DashboardName="d"))["DashboardName"] == "d"


TEXT = {"markdown": ""}
ENUM = "Should be equal to one of the allowed values"
SHAPE = "Should be [namespace, name, dimension name, value, ..., {options}]"


@pytest.mark.parametrize(
    ("widget", "path", "message"),
    [
        ({"properties": {}}, "", "Should have required property 'type'"),
        ({"type": "metric"}, "", "Should have required property 'properties'"),
        ({"type": "chart", "properties": {}}, "/type", ENUM),
        ({"type": "text", "x": 24, "properties": TEXT}, "/x", "Should be <= 23"),
        ({"type": "text", "y": -1, "properties": TEXT}, "/y", "Should be >= 0"),
        ({"type": "text", "height": 1.5, "properties": TEXT}, "/height", "Should be integer"),
        (
            {"type": "text", "properties": {}},
            "/properties",
            "Should have required property 'markdown'",
        ),
        ({"type": "metric", "properties": {"view": "pies"}}, "/properties/view", ENUM),
        (
            {"type": "metric", "properties": {"period": 45}},
            "/properties/period",
            "Should be 1, 5, 10, 30, or a multiple of 60",
        ),
        (
            {"type": "metric", "properties": {"metrics": [["A", "B", "C"]]}},
            "/properties/metrics/0",
            SHAPE,
        ),
        (
            {"type": "metric", "properties": {"metrics": [["...", "x"]]}},
            "/properties/metrics/0",
            'The "." and "..." shortcuts need a metric before',
        ),
        (
            {"type": "alarm", "properties": {"alarms": "a"}},
            "/properties/alarms",
            "Should be array of alarm ARNs",
        ),
        ("widget", "", "Should be object"),
    ],
)
def test_each_widget_rule_names_its_data_path(widget: object, path: str, message: str) -> None:
    _, findings = read_body(body(widget))
    assert findings.errors == [(f"/widgets/0{path}", message)]


def test_the_widgets_array_itself_is_checked() -> None:
    assert read_body("{}")[1].errors == [("", "Should have required property 'widgets'")]
    assert read_body('{"widgets": {}}')[1].errors == [("/widgets", "Should be array")]
    too_many = body(*[{"type": "text", "properties": {"markdown": ""}}] * 501)
    assert read_body(too_many)[1].errors == [("/widgets", "Should NOT have more than 500 items")]


def test_the_metrics_shorthand_is_expanded() -> None:
    findings = Findings()
    lines = expand(
        [
            ["AWS/SQS", "NumberOfMessagesSent", "QueueName", "orders"],
            ["...", "payments", {"stat": "Sum"}],
            [".", "NumberOfMessagesDeleted", ".", "."],
            ["...", {"label": "again"}],
            [{"expression": "m1 + m2", "label": "total"}],
        ],
        "/m",
        findings,
    )
    assert findings.errors == []
    orders, payments = (("QueueName", "orders"),), (("QueueName", "payments"),)
    assert lines == (
        MetricLine("AWS/SQS", "NumberOfMessagesSent", orders),
        MetricLine("AWS/SQS", "NumberOfMessagesSent", payments, {"stat": "Sum"}),
        MetricLine("AWS/SQS", "NumberOfMessagesDeleted", payments),
        MetricLine("AWS/SQS", "NumberOfMessagesDeleted", payments, {"label": "again"}),
        MetricLine(None, None, (), {"expression": "m1 + m2", "label": "total"}),
    )
    assert lines[4].expression == "m1 + m2"


def test_widgets_are_typed_for_a_pane() -> None:
    widgets, findings = read_body(
        body(
            {**GRAPH, "properties": {**GRAPH["properties"], "title": "sent", "stat": "Sum"}},  # type: ignore[dict-item]
            {"type": "text", "properties": {"markdown": "# hi"}},
            {"type": "alarm", "x": 6, "y": 0, "properties": {"alarms": ["arn:a"]}},
            {"type": "log", "properties": {"query": "fields @message"}},
        )
    )
    assert findings.errors == []
    graph, text, alarms, log = widgets
    assert isinstance(graph, MetricWidget)
    assert (graph.title, graph.stat, graph.period, graph.view, graph.region) == (
        "sent",
        "Sum",
        300,
        "timeSeries",
        "us-east-1",
    )
    assert isinstance(text, TextWidget)
    assert (text.markdown, text.x, text.width, text.height) == ("# hi", None, 6, 6)
    assert isinstance(alarms, AlarmWidget)
    assert alarms.alarms == ("arn:a",)
    assert log.type == "log"


# -- the scenario section ---------------------------------------------------------------------

SCENARIO = """
[scenario]
name = "boards"
start = 2026-01-01T00:00:00Z

[[cloudwatch.dashboard]]
name = "as-table"
body = { widgets = [{ type = "text", properties = { markdown = "hi" } }] }

[[cloudwatch.dashboard]]
name = "as-json"
body = '{"widgets": []}'
"""


async def test_a_scenario_puts_its_dashboards() -> None:
    scenario = parse_scenario(SCENARIO, "boards.toml")
    cloud = new_cloud(start=scenario.start)
    await apply(scenario, cloud)
    dashboards = cloud.service(CloudWatchService).dashboards
    assert sorted(dashboards) == ["as-json", "as-table"]
    [text] = dashboards["as-table"].widgets
    assert isinstance(text, TextWidget)


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ('name = "x"\nbody = 3', "body must be a str or dict"),
        ('name = "x"\nbody = "[1]"', "body must be a JSON object (or a TOML table)"),
        (
            'name = "x"\nbody = { widgets = [{ type = "text", width = 30, '
            'properties = { markdown = "" } }] }',
            "cloudwatch.dashboard[0]: body: /widgets/0/width: Should be <= 24",
        ),
        ('body = "{}"', "name is required"),
        ('name = "x"\nbody = \'{"widgets": []}\'\ncolour = 1', "unknown key(s): colour"),
    ],
)
def test_a_bad_dashboard_fails_the_scenario_saying_where(section: str, says: str) -> None:
    text = f'[scenario]\nname = "bad"\n\n[[cloudwatch.dashboard]]\n{section}\n'
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.toml")
    assert says in str(info.value)


async def test_a_scenario_dashboard_with_a_bad_name_is_refused_in_aws_words() -> None:
    scenario = parse_scenario(
        '[scenario]\nname = "bad"\n\n[[cloudwatch.dashboard]]\nname = "a b"\n'
        "body = '{\"widgets\": []}'\n",
        "bad.toml",
    )
    with pytest.raises(ScenarioError) as info:
        await apply(scenario, new_cloud(start=scenario.start))
    assert "dashboard 'a b': DashboardInvalidInputError" in str(info.value)


async def test_the_demo_has_a_dashboard_of_the_orders_queue_and_the_clickstream() -> None:
    scenario = load_scenario("demo")
    cloud = new_cloud(start=scenario.start)
    await apply(scenario, cloud)
    dashboard = cloud.service(CloudWatchService).dashboards["shop-overview"]
    graphs = [w for w in dashboard.widgets if isinstance(w, MetricWidget)]
    metrics = {(m.namespace, m.metric_name, m.dimensions) for g in graphs for m in g.metrics}
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", (("QueueName", "orders"),)) in metrics
    assert ("AWS/Kinesis", "IncomingRecords", (("StreamName", "clickstream"),)) in metrics
    throttles = [m for g in graphs for m in g.metrics if "Exceeded" in str(m.metric_name)]
    assert len(throttles) == 2
    assert any(isinstance(w, TextWidget) for w in dashboard.widgets)
