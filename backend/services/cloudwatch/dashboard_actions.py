"""Dashboards through the API: PutDashboard, GetDashboard, ListDashboards, DeleteDashboards.

Dashboards are global, as in AWS: one set per account whatever the region
asked, and an ARN without a region (`arn:aws:cloudwatch::<acct>:dashboard/<name>`).
A name is 1 to 255 of `A-Z a-z 0-9 - _`. PutDashboard refuses a body that is
not a JSON object ("The field DashboardBody must be a valid JSON object") or
that fails the body structure (`dashboards.read_body`), both as
DashboardInvalidInputError (`InvalidParameterInput`), the second quoting
each failure as AWS does; warnings come back in DashboardValidationMessages
and the dashboard is saved. ListDashboards pages by 1,000. DeleteDashboards
is all or nothing: one unknown name and nothing is deleted.
"""

from __future__ import annotations

import json
import re

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.dashboards import Dashboard, NotAnObject, read_body
from backend.services.cloudwatch.errors import (
    DashboardInvalidInputError,
    DashboardNotFoundError,
    InvalidNextToken,
    InvalidParameterValue,
    MissingParameter,
)
from backend.services.cloudwatch.tag_actions import tag_list

NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,255}")
PAGE = 1000
MAX_DELETE = 100


class DashboardActions(Service):
    """The dashboard API; the dashboards live in `self.dashboards` by name (global)."""

    dashboards: dict[str, Dashboard]

    @action("PutDashboard")
    def put_dashboard(self, params: Params, request: Request) -> Response:
        name = _name(params.get("DashboardName"))
        body = params.get("DashboardBody")
        if body is None:
            raise MissingParameter("The parameter DashboardBody is required.")
        if not isinstance(body, str):
            raise DashboardInvalidInputError("The field DashboardBody must be a valid JSON object")
        try:
            widgets, findings = read_body(body)
        except NotAnObject:
            raise DashboardInvalidInputError(
                "The field DashboardBody must be a valid JSON object"
            ) from None
        if findings.errors:
            listed = json.dumps(
                [{"dataPath": p, "message": m} for p, m in findings.errors], indent=2
            )
            raise DashboardInvalidInputError(
                f"The dashboard body is invalid, there are {len(findings.errors)} validation "
                f"errors:\n{listed}"
            )
        tags = tag_list(params)
        existing = self.dashboards.get(name)
        arn = f"arn:aws:cloudwatch::{request.account}:dashboard/{name}"
        self.dashboards[name] = Dashboard(
            name,
            arn,
            body,
            widgets,
            request.now,
            existing.tags if existing is not None else tags,
        )
        return {
            "DashboardValidationMessages": [
                {"DataPath": p, "Message": m} for p, m in findings.warnings
            ]
        }

    @action("GetDashboard", read_only=True)
    def get_dashboard(self, params: Params, request: Request) -> Response:
        dashboard = self._dashboard(params.get("DashboardName"))
        return {
            "DashboardArn": dashboard.arn,
            "DashboardBody": dashboard.body,
            "DashboardName": dashboard.name,
        }

    @action("ListDashboards", read_only=True)
    def list_dashboards(self, params: Params, request: Request) -> Response:
        prefix = params.get("DashboardNamePrefix")
        if prefix is not None and (not isinstance(prefix, str) or not PREFIX.fullmatch(prefix)):
            raise read.invalid(prefix, "DashboardNamePrefix")
        names = sorted(n for n in self.dashboards if prefix is None or n.startswith(prefix))
        scope = fingerprint(params, ignore=("NextToken",))
        start = 0
        token = params.get("NextToken")
        if token is not None:
            position = decode_token(
                str(token), scope, InvalidNextToken, "The NextToken is invalid."
            )
            if not isinstance(position, int) or position < 0:
                raise InvalidNextToken("The NextToken is invalid.")
            start = position
        page = names[start : start + PAGE]
        response: Response = {"DashboardEntries": [self.dashboards[n].entry() for n in page]}
        if start + PAGE < len(names):
            response["NextToken"] = encode_token(scope, start + PAGE)
        return response

    @action("DeleteDashboards")
    def delete_dashboards(self, params: Params, request: Request) -> Response:
        names = params.get("DashboardNames")
        if names is None:
            raise MissingParameter("The parameter DashboardNames is required.")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise read.invalid(names, "DashboardNames")
        if len(names) > MAX_DELETE:
            raise InvalidParameterValue(
                f"The collection DashboardNames must not have a size greater than {MAX_DELETE}."
            )
        missing = [n for n in names if n not in self.dashboards]
        if missing:
            raise DashboardNotFoundError(
                f"The specified dashboard does not exist. [{', '.join(missing)}]"
            )
        for name in names:
            del self.dashboards[name]
        return {}

    def _dashboard(self, name: object) -> Dashboard:
        if name is None:
            raise MissingParameter("The parameter DashboardName is required.")
        found = self.dashboards.get(name) if isinstance(name, str) else None
        if found is None:
            raise DashboardNotFoundError(f"Dashboard {name} does not exist")
        return found


def _name(name: object) -> str:
    if name is None:
        raise MissingParameter("The parameter DashboardName is required.")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise DashboardInvalidInputError(
            "The value for field DashboardName contains invalid characters. It can only "
            "contain alphanumerics, dash (-) and underscore (_)."
        )
    return name
