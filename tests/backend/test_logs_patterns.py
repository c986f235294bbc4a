"""CloudWatch Logs filter patterns: AWS's documented examples, edge cases, refusals, extraction.

Each group of AWS examples names the page it comes from. "Filter pattern
syntax" is the current page, "Filter pattern syntax for metric filters, subscription
filters, filter log events, and Live Tail"; "Filter pattern syntax for metric
filters" is its companion (earlier titled "Filter and pattern syntax"); "Filter and
Pattern Syntax (archived)" is the page kept in the archived
awsdocs/amazon-cloudwatch-logs-user-guide repository. Where the archived page and
the current one disagree, the cases follow the current one and say so.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from backend.services.logs.patterns import (
    INVALID_METRIC_FILTER_PATTERN,
    MAX_PATTERN_LENGTH,
    FilterPattern,
    FilterPatternError,
    ParseOnce,
    PatternKind,
    compile_pattern,
)
from tests.backend.logs_helpers import count_json_reads

Case = tuple[str, str, bool]

# -- Filter pattern syntax: "Supported regular expressions (regex) syntax" -------------------

REGEX_SYNTAX: list[Case] = [
    ("%^[hc]at%", "hat trick", True),
    ("%^[hc]at%", "cat", True),
    ("%^[hc]at%", "that", False),
    ("%[hc]at$%", "the cat", True),
    ("%[hc]at$%", "cats", False),
    ("%colou?r%", "color", True),
    ("%colou?r%", "colour", True),
    ("%colou?r%", "colr", False),
    ("%[abc]%", "a", True),
    ("%[abc]%", "xyz", False),
    ("%[a-z]%", "Q7", False),
    ("%[abcx-z]%", "Y y", True),
    ("%a{3,5}%", "aaa", True),
    ("%a{3,5}%", "aa", False),
    ("%a{3, 5}%", "aaaa", True),
    ("%a{,2}b%", "b", True),
    ("%gra|ey%", "gray", True),
    ("%gra|ey%", "grey", True),
    ("%^starting|^initializing|^shutting down%", "starting up", True),
    ("%^starting|^initializing|^shutting down%", "initializing ...", True),
    ("%^starting|^initializing|^shutting down%", "shutting down", True),
    ("%^starting|^initializing|^shutting down%", "skipping initializing ...", False),
    ("%abcc|ab[^c]$%", "abcc ...", True),
    ("%abcc|ab[^c]$%", "aba", True),
    ("%abcc|ab[^c]$%", "aac ...", False),
    (r"%\[.\]%", "[a]", True),
    (r"%\[.\]%", "[7]", True),
    (r"%\[.\]%", "[]]", True),
    (r"%\[.\]%", "[ ]", True),
    (r"%\[.\]%", "[]", False),
    (r"%10\.10\.0\.1%", "10.10.0.1", True),
    (r"%10\.10\.0\.1%", "10010,051", False),
    ("%10.10.0.1%", "10010,051", True),
    ("%ab*c%", "ac", True),
    ("%ab*c%", "abbbc", True),
    ("%ab[0-9]*%", "ab129", True),
    ("%ab+c%", "abc", True),
    ("%ab+c%", "ac", False),
    ("%.at%", "#at", True),
    ("%.at%", " at", True),
    (r"%\d%", "x1", True),
    (r"%\d%", "xy", False),
    (r"%\d%", "x\u0663", False),  # an Arabic-Indic three is not [0-9]
    (r"%\D%", "12", False),
    (r"%\s%", "a\tb", True),
    (r"%\S%", "   ", False),
    (r"%\w%", "é!", False),
    (r"%\W%", "a_1", False),
    (r"%\x3A%", "a:b", True),
    (r"%\x28%", "f(x)", True),
    # "Supported regular expressions (regex) syntax" (its own page)
    (r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", "from 192.168.0.1", True),
    ("%[Ee]rror|[Ff]ail%", "Fail", True),
    ("%[Ee]rror|[Ff]ail%", "ERROR", False),
]

# -- Filter pattern syntax: "Using filter patterns to match terms with a regular expression" --

REGEX_TERMS: list[Case] = [
    ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", True),
    ("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", True),
    ("%AUTHORIZED%", "[SUCCESS 200] authorized", False),
    ("ERROR %40[0-9]%", "[ERROR 404]", True),
    ("ERROR %40[0-9]%", "[ERROR 500]", False),
    ("-%^DEBUG%", "DEBUG hello", False),
    ("?%^WARN% ?%^ERROR%", "ERROR x", True),
]

# -- Filter pattern syntax: "Using filter patterns to match terms in unstructured log events" --

E400 = "[ERROR 400] BAD REQUEST"
E401 = "[ERROR 401] UNAUTHORIZED REQUEST"
E419 = "[ERROR 419] MISSING ARGUMENTS"
E420 = "[ERROR 420] INVALID ARGUMENTS"

UNSTRUCTURED: list[Case] = [
    *(("ERROR", event, True) for event in (E400, E401, E419, E420)),
    ("ERROR ARGUMENTS", E419, True),
    ("ERROR ARGUMENTS", E420, True),
    ("ERROR ARGUMENTS", E400, False),
    ("ERROR ARGUMENTS", E401, False),
    *(("?ERROR ?ARGUMENTS", event, True) for event in (E400, E401, E419, E420)),
    ("?ERROR ?ARGUMENTS", "[INFO] all good", False),
    # "?" terms beside other terms are ignored
    ("?ERROR ?ARGUMENTS REQUEST", "[INFO] REQUEST FAILED", True),
    ("?ERROR ?ARGUMENTS REQUEST", "[WARN] UNAUTHORIZED REQUEST", True),
    ("?ERROR ?ARGUMENTS REQUEST", "[ERROR] 400 BAD REQUEST", True),
    ("?ERROR ?ARGUMENTS REQUEST", E419, False),
    ('"INTERNAL SERVER ERROR"', "[ERROR 500] INTERNAL SERVER ERROR", True),
    ('"INTERNAL SERVER ERROR"', "[ERROR 500] INTERNAL ERROR SERVER", False),
    ("ERROR -ARGUMENTS", E400, True),
    ("ERROR -ARGUMENTS", E401, True),
    ("ERROR -ARGUMENTS", E419, False),
    ("ERROR -ARGUMENTS", E420, False),
    # "Match everything"
    ('" "', E400, True),
    ('" "', "oneword", True),
]

# -- Filter and Pattern Syntax (archived): "Matching Terms in Log Events", "OR Pattern Matching" --

ARCHIVED_TERMS: list[Case] = [
    ('"ERROR"', "[ERROR] A fatal exception has occurred", True),
    ('"ERROR"', "Exiting with ERRORCODE: -1", True),
    ('"ERROR" - "Exiting"', "Exiting with ERRORCODE: -1", False),
    ('"ERROR" - "Exiting"', "[ERROR] A fatal exception has occurred", True),
    ('"ERROR Exception"', "[ERROR] Caught IllegalArgumentException", False),
    ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", True),
    ("ERROR Exception", "[ERROR] Unhandled Exception", True),
    ("Failed to process the request", "[WARN] Failed to process the request", True),
    (
        "Failed to process the request",
        "[ERROR] Unable to continue: Failed to process the request",
        True,
    ),
    ("Failed to process the request", "[WARN] Failed to process", False),
    ("ERROR", "ERROR WARN message", True),
    ("ERROR", "ERROR message", True),
    ("ERROR", "WARN message", False),
    ("?ERROR ?WARN", "ERROR WARN message", True),
    ("?ERROR ?WARN", "ERROR message", True),
    ("?ERROR ?WARN", "WARN message", True),
    ("ERROR WARN", "ERROR WARN message", True),
    ("ERROR WARN", "ERROR message", False),
    ("ERROR -WARN", "ERROR WARN message", False),
    ("ERROR -WARN", "ERROR message", True),
    ("ERROR -WARN", "WARN message", False),
    # The archived page says [w1=ERROR, w2] matches only "ERROR message"; the current
    # page's `[w1=ERROR, w2]` example has the last field take the rest of the event.
    ("[w1=ERROR, w2]", "ERROR message", True),
    ("[w1=ERROR, w2]", "WARN message", False),
    ("[w1=ERROR || w1=WARN, w2]", "ERROR message", True),
    ("[w1=ERROR || w1=WARN, w2]", "WARN message", True),
    ("[w1=ERROR || w1=WARN, w2]", "INFO message", False),
    ("{$.foo = bar}", '{"foo": "bar"}', True),
    ("{$.foo = bar}", '{"foo": "baz"}', False),
    ("{$.foo = baz }", '{"foo": "baz"}', True),
    ("{$.foo = bar || $.foo = baz }", '{"foo": "bar"}', True),
    ("{$.foo = bar || $.foo = baz }", '{"foo": "baz"}', True),
    ("{$.foo = bar || $.foo = baz }", '{"foo": "qux"}', False),
]

# -- Filter pattern syntax: "Using filter patterns to match terms in JSON log events" ---------

TRAIL = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "cluster.name": "c",
    }
)

JSON_STRINGS: list[Case] = [
    ('{ $.eventType = "UpdateTrail" }', TRAIL, True),
    ('{ $.eventType = "UpdateTrai" }', TRAIL, False),
    ("{ $.eventType = UpdateTrail }", TRAIL, True),
    ("{ $.sourceIPAddress != 123.123.* }", TRAIL, True),
    ("{ $.sourceIPAddress != 111.111.* }", TRAIL, False),
    ('{ $.arrayKey[0] = "value" }', TRAIL, True),
    ('{ $.arrayKey[1] = "value" }', TRAIL, False),
    ("{ $.eventType = %Trail% }", TRAIL, True),
    ("{ $.eventType = %^Trail% }", TRAIL, False),
    ("{ $.arrayKey[*] = %val.{2}% }", TRAIL, True),
    ("{ $.arrayKey[*] = %^another% }", TRAIL, True),
    (r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }", TRAIL, True),
    (r"{ $.* = %112\.% }", TRAIL, False),
    ("{ $.['cluster.name'] = \"c\" }", TRAIL, True),
    ('{ $.cluster.name = "c" }', TRAIL, False),
    ("{ $.SomeObject IS NULL }", TRAIL, True),
    ("{ $.eventType IS NULL }", TRAIL, False),
    ("{ $.SomeOtherObject NOT EXISTS }", TRAIL, True),
    ("{ $.SomeObject NOT EXISTS }", TRAIL, False),
    # "Filter pattern syntax for metric filters": "Matching terms in JSON log events"
    ("{ $.objectList[1].id = 2 }", TRAIL, True),
    ("{ $.objectList[0].id = 2 }", TRAIL, False),
    # Filter and Pattern Syntax (archived): "JSON Metric Filter Examples"
    ("{ $.ThisFlag IS TRUE }", '{"ThisFlag": true}', True),
    ("{ $.ThisFlag IS FALSE }", '{"ThisFlag": true}', False),
    ("{ $.ThisFlag IS FALSE }", '{"ThisFlag": false}', True),
    ("{ $.ThisFlag IS TRUE }", '{"ThisFlag": "true"}', False),
]

# Filter pattern syntax: "Writing filter patterns that match numeric values"
NUMBERS = json.dumps(
    {
        "bandwidth": 80,
        "latency": 20,
        "refreshRate": 60,
        "responseTime": 5,
        "errorCode": 400,
        "number": [1000, 0.5],
        "numbers": [5],
        "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}],
    }
)

JSON_NUMBERS: list[Case] = [
    ("{ $.bandwidth > 75 }", NUMBERS, True),
    ("{ $.latency < 50 }", NUMBERS, True),
    ("{ $.refreshRate >= 60 }", NUMBERS, True),
    ("{ $.responseTime <= 5 }", NUMBERS, True),
    ("{ $.errorCode = 400}", NUMBERS, True),
    ("{ $.errorCode != 500 }", NUMBERS, True),
    ("{ $.errorCode != 400 }", NUMBERS, False),
    ("{ $.number[0] = 1e+3 }", NUMBERS, True),
    ("{ $.number[0] != 1e-3 }", NUMBERS, True),
    ("{ $.number[0] = 1e-3 }", NUMBERS, False),
    ("{ $.bandwidth > 80 }", NUMBERS, False),
    # Filter and Pattern Syntax (archived): "Numeric Comparisons"
    ("{ $.latency >= 500 }", NUMBERS, False),
    ("{ $.numbers[0] < 10e3 }", NUMBERS, True),
    ("{ $.numbers[0] < 10e-3 }", NUMBERS, False),
    ("{ $.processes[4].averageRuntime <= 55.5 }", NUMBERS, True),
    ("{ $.processes[4].averageRuntime < 55.5 }", NUMBERS, False),
    ("{ $.latency > +10 }", NUMBERS, True),
    ("{ $.latency > -1000 }", NUMBERS, True),
]

# Filter pattern syntax: compound expressions ("Expression that matches using AND" ...)
USERS = json.dumps(
    {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [
            {"id": 2, "email": "John.Doe@example.com"},
            {"id": 3, "email": "Jane.Doe@example.com"},
        ],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
)

JSON_COMPOUND: list[Case] = [
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', USERS, True),
    (
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch"'
        ' && $.actions[2] = "nonmatch" }',
        USERS,
        True,
    ),
    (
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch")'
        ' && $.actions[2] = "nonmatch" }',
        USERS,
        False,
    ),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', USERS, False),
    # Filter and Pattern Syntax (archived): the same, with bare literals
    (
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch'
        " && $.actions[2] = nomatch }",
        USERS,
        True,
    ),
    (
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch)'
        " && $.actions[2] = nomatch }",
        USERS,
        False,
    ),
    ("{ $.coordinates[1][2] = 6 }", USERS, True),
    ("{ $.coordinates[*][2] = 6 }", USERS, True),  # the third item of any row
    ("{ $.coordinates[*][2] = 8 }", USERS, False),
    ("{ $.users[*].email = Jane* }", USERS, True),
    ("{ $.users[*].id > 2 && $.user.id = 1 }", USERS, True),
    ("{ ((($.user.id = 1))) }", USERS, True),
    # Filter and Pattern Syntax (archived): "JSON Special Considerations"
    ("{$.users = 1}", '{"users": [1, 2, 3]}', False),
    ("{$.users != 1}", '{"users": [1, 2, 3]}', False),
    ("{$.users != 1}", '{"users": {"id": 1}}', False),
]

# -- Filter pattern syntax: "Using filter patterns to match terms in space-delimited log events" --

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
INFO_GET = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
INFO_POST = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
WARNING = "WARNING 09/25/2014 12:00:02 Invalid user request"
ERROR = "ERROR 09/25/2014 12:00:02 Failed to process request"
RESOURCE = "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]"
PART = "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]"

DELIMITED: list[Case] = [
    (
        r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*,"
        " status_code = 4*, bytes]",
        APACHE,
        True,
    ),
    (
        r"[ip=%127\.0\.0\.[2-9]%, user, username, timestamp, request, status_code, bytes]",
        APACHE,
        False,
    ),
    ("[..., request =*.html*, status_code = 4*, bytes]", APACHE, True),
    ("[..., request =*.gif*, status_code = 4*, bytes]", APACHE, False),
    (
        "[ip, user, username, timestamp, request =*.html*,"
        " status_code = 404 || status_code = 410, bytes]",
        APACHE,
        True,
    ),
    (
        "[ip, user, username, timestamp, request =*.html*,"
        " status_code = 400 || status_code = 410, bytes]",
        APACHE,
        False,
    ),
    ("[w1=ERROR, w2]", ERROR, True),
    ("[w1=ERROR, w2]", WARNING, False),
    ("[w1=ERROR, w2]", INFO_GET, False),
    ("[w1=ERROR || w1=WARNING, w2]", ERROR, True),
    ("[w1=ERROR || w1=WARNING, w2]", WARNING, True),
    ("[w1=ERROR || w1=WARNING, w2]", INFO_POST, False),
    ("[w1!=ERROR && w1!=WARNING, w2]", INFO_GET, True),
    ("[w1!=ERROR && w1!=WARNING, w2]", INFO_POST, True),
    ("[w1!=ERROR && w1!=WARNING, w2]", WARNING, False),
    ("[w1!=ERROR && w1!=WARNING, w2]", ERROR, False),
    (RESOURCE, INFO_GET, True),
    (RESOURCE, INFO_POST, False),
    (RESOURCE, WARNING, False),
    (PART, INFO_POST, True),
    (PART, INFO_GET, False),
    # "Filter pattern syntax for metric filters": space-delimited examples
    ("[ip, user, username, timestamp, request, status_code, bytes]", APACHE, True),
    ("[ip, server, username, timestamp, request, status_code, bytes > 1000]", APACHE, True),
    ("[ip, server, username, timestamp, request, status_code, bytes > 2000]", APACHE, False),
    # Filter and Pattern Syntax (archived): "Using Metric Filters to Extract Values ..."
    ("[..., status_code, bytes]", APACHE, True),
    ("[ip, user, ..., status_code, bytes]", APACHE, True),
    ("[ip, user, ...]", APACHE, True),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", APACHE, False),
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", APACHE, True),
    (
        "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
        APACHE,
        True,
    ),
    (
        "[ip, user, username, timestamp, request, status_code = 4* && status_code != 404, bytes]",
        APACHE,
        False,
    ),
    ("[..., request=*.html*, status_code=4*,]", APACHE, True),
]

# -- Edge cases -------------------------------------------------------------------------------

EDGES: list[Case] = [
    # The empty pattern, and patterns of space, match everything.
    ("", "anything", True),
    ("   ", "", True),
    # Terms: case-sensitive, anywhere, quoted text with quotes and escapes.
    ("error", "ERROR", False),
    ("RROR", "ERROR", True),
    ('"say \\"hi\\""', 'they say "hi" twice', True),
    ('"say \\"hi\\""', "they say hi twice", False),
    ('"C:\\\\temp"', "path C:\\temp here", True),
    ('"a  b"', "a b", False),
    ('?"x y" ?z', "x y", True),
    ("-ERROR", "all fine", True),
    ("-ERROR", "ERROR", False),
    ("- ERROR", "ERROR", False),
    ("ERROR_CODE", "ERROR_CODE=5", True),
    ("404", "status 404", True),
    # Delimited: quoted and bracketed fields, empty fields, tabs, fewer and more fields.
    ("[a, b, c]", 'x "" z', True),
    ("[a, b != *, c]", 'x "" z', False),
    ('[a, b = "", c]', 'x "" z', True),
    ('[a, b = "", c]', "x y z", False),
    ('{ $.e = "" }', '{"e": ""}', True),
    ('{ $.e = "" }', '{"e": "x"}', False),
    ('{ $.e != "" }', '{"e": "x"}', True),
    ("[a, b = *, c]", 'x "" z', True),
    ("[a, b, c]", "x [] z", True),
    ("[a, b = *y*, c]", 'x "y y" z', True),
    ("[a, b, c]", "x\ty\tz", True),
    ("[a, b, c]", "x  y   z  ", True),
    ("[a, b, c]", "x y", False),
    ("[a, b = 2, c = 3]", "1 2 3 4", False),  # the last field is "3 4"
    ("[a, b = 2, c = 3*]", "1 2 3 4", True),
    ("[a, b = 2, ...]", "1 2 3 4", True),
    ("[a, b = 2, ...]", "1 2", True),
    ("[..., d = 4]", "1 2 3 4", True),
    ("[..., c = 3]", "1 2 3 4", False),
    ("[..., c = 3, ...]", "1 2 3 4", True),
    ("[..., c = 3, ..., e]", "1 2 3 4", True),
    ("[..., c = 3, ..., e = 5]", "1 2 3 4", False),
    ("[a = 1, ..., d = 4]", "1 4", True),
    ("[a = 1, ..., d = 4]", "1 5", False),
    ("[a = 1, ..., d = 4]", "1 4 4", True),
    ("[...]", "", True),
    ("[...]", "x", True),
    ("[a]", "", False),
    ("[a]", "one two three", True),
    ("[,]", "x y", True),
    ("[, b = y]", "x y", True),
    # Numbers against text: a field is a number when it spells one.
    ("[a, n = 200]", "x 200", True),
    ("[a, n = 200]", "x 200.0", True),
    ("[a, n = 200]", "x 0200", True),
    ("[a, n = 200]", "x 2e2", True),
    ("[a, n != 200]", "x 201", True),
    ("[a, n != 200]", "x 2e2", False),
    ("[a, n > 5]", "x abc", False),
    ("[a, n > 5]", "x -", False),
    ("[a, n > 5]", "x 5.5", True),
    ("[a, n <= -1]", "x -1", True),
    ("[a, n = abc]", "x abc", True),
    ("[a, n = +5]", "x 5", True),
    # Wildcards: at either end or both; a `*` inside is itself.
    ("[a, r = *.html]", "x /index.html", True),
    ("[a, r = *.html]", "x /index.htm", False),
    ('[a, r = "/index*"]', "x /index.html", True),
    ("[a, r = *dex*]", "x /index.html", True),
    ('[a, r = "/in*.html"]', "x /index.html", False),
    ('[a, r = "/in*.html"]', "x /in*.html", True),
    ('{ $.e = "*Event" }', '{"e": "PutEvent"}', True),
    ("{ $.e = *Event }", '{"e": "GetEvent"}', True),
    ("{ $.e = Event* }", '{"e": "EventId"}', True),
    ("{ $.e = Event* }", '{"e": "TheEventId"}', False),
    ("{ $.e = Ev*ent }", '{"e": "Event"}', False),
    ("{ $.e = Ev*ent }", '{"e": "Ev*ent"}', True),
    ("{ $.e = * }", '{"e": ""}', True),
    ("{ $.e = * }", '{"e": null}', False),
    ("{ $.e != * }", '{"e": "x"}', False),
    ("{ $.e = 4* }", '{"e": 404}', True),
    # JSON numbers and strings: a number literal is text to a string.
    ("{ $.code = 400 }", '{"code": 400}', True),
    ("{ $.code = 400 }", '{"code": 400.0}', True),
    ("{ $.code = 400 }", '{"code": 4e2}', True),
    ("{ $.code = 400 }", '{"code": "400"}', True),
    ("{ $.code = 400 }", '{"code": "400.0"}', False),
    ("{ $.code > 300 }", '{"code": "400"}', False),
    ('{ $.code = "400" }', '{"code": 400}', True),
    ("{ $.code != 400 }", '{"code": "401"}', True),
    ("{ $.code > 300 }", '{"code": true}', False),
    ("{ $.code = 1 }", '{"code": true}', False),
    ("{ $.big > 1e300 }", '{"big": 1e308}', True),
    # JSON nesting, arrays, wildcards, null against missing.
    ("{ $.a.b.c = 1 }", '{"a": {"b": {"c": 1}}}', True),
    ("{ $.a.b.c = 1 }", '{"a": {"b": [1]}}', False),
    ("{ $.a[0] = 1 }", '{"a": {"0": 1}}', False),
    ("{ $.a[5] NOT EXISTS }", '{"a": [1]}', True),
    ("{ $.a.b NOT EXISTS }", '{"a": "text"}', True),
    ("{ $.a[*] = 3 }", '{"a": [1, 2, 3]}', True),
    ("{ $.a[*] = 4 }", '{"a": [1, 2, 3]}', False),
    ("{ $.a[*] != 1 }", '{"a": [1, 2, 3]}', True),
    ("{ $.a[*] IS NULL }", '{"a": [1, null]}', True),
    ("{ $.a[*] NOT EXISTS }", '{"a": []}', True),
    ("{ $.a.* = 2 }", '{"a": {"x": 1, "y": 2}}', True),
    ("{ $.a.* = 2 }", '{"a": [1, 2]}', False),
    ("{ $.a[*] = 2 }", '{"a": {"x": 2}}', False),
    ("{ $.x IS NULL }", "{}", False),
    ("{ $.x NOT EXISTS }", '{"x": null}', False),
    ("{ $.x IS NULL || $.x NOT EXISTS }", "{}", True),
    ('{ $.detail-type = "Scheduled Event" }', '{"detail-type": "Scheduled Event"}', True),
    ("{ $['a b'] = 1 }", '{"a b": 1}', True),
    ("{$.a=1&&$.b=2}", '{"a": 1, "b": 2}', True),
    # Only a whole JSON object is a JSON event; escapes are read as JSON reads them.
    ("{ $.x NOT EXISTS }", "plain text", False),
    ("{ $.x NOT EXISTS }", "[1, 2]", False),
    ("{ $.x NOT EXISTS }", '{"a": 1', False),
    ("{ $.x NOT EXISTS }", 'INFO {"a": 1}', False),
    ("{ $.a = 1 }", '  {"a": 1}  ', True),
    ('{ $.name = "Ana" }', '{"name": "\\u0041na"}', True),
    ('{ $.name = "Ana" }', '{"n\\u0061me": "Ana"}', True),
    ('{ $.path = "a/b" }', '{"path": "a\\/b"}', True),
    ('{ $.q = "say \\"hi\\"" }', '{"q": "say \\"hi\\""}', True),
    ("{ $.a = 1 }", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", False),
]

ALL_CASES = [
    *REGEX_SYNTAX,
    *REGEX_TERMS,
    *UNSTRUCTURED,
    *ARCHIVED_TERMS,
    *JSON_STRINGS,
    *JSON_NUMBERS,
    *JSON_COMPOUND,
    *DELIMITED,
    *EDGES,
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ALL_CASES)
def test_matches(pattern: str, event: str, expected: bool) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.matches(event) is expected
    assert (compiled.match(event) is not None) is expected
    assert compile_pattern(pattern, prefilter=False).matches(event) is expected


# -- Values and dimensions a metric filter reads -------------------------------------------------

APACHE_FIELDS = "[ip, server, username, timestamp, request, status_code, bytes > 1000]"

VALUES: list[tuple[str, str, str, float | None]] = [
    # "Filter pattern syntax for metric filters": "Using values in log events to increment ..."
    ("{ $.latency = * }", '{"latency": 50, "requestType": "GET"}', "$.latency", 50.0),
    # Filter and Pattern Syntax (archived): "Publishing Numerical Values Found in Log Entries"
    ("{ $.latency = * }", '{"latency": 50.5}', "$.latency", 50.5),
    ("{ $.latency = * }", '{"latency": "50"}', "$.latency", 50.0),
    ("{ $.latency = * }", '{"latency": "fast"}', "$.latency", None),
    ("{ $.ok IS TRUE }", '{"ok": true}', "$.ok", None),
    ("{ $.latency = * }", '{"other": 5}', "$.latency", None),  # no match
    ("{ $.a NOT EXISTS }", '{"b": 2}', "$.b", 2.0),
    ("{ $.a NOT EXISTS }", '{"b": [7, 8]}', "$.b[1]", 8.0),
    ("{ $.a NOT EXISTS }", '{"b": [7, 8]}', "$.b[*]", 7.0),
    ("{ $.a NOT EXISTS }", '{"b": 2}', "$.b.c", None),
    ("{ $.a NOT EXISTS }", '{"b": 2}', "1", 1.0),
    ("{ $.a NOT EXISTS }", '{"b": 2}', "+2.5", 2.5),
    ("{ $.a NOT EXISTS }", '{"b": 2}', "$b", None),
    # "Filter pattern syntax for metric filters": space-delimited values
    (APACHE_FIELDS, APACHE, "$bytes", 1534.0),
    (APACHE_FIELDS, APACHE, "$status_code", 404.0),
    (APACHE_FIELDS, APACHE, "$request", None),
    (APACHE_FIELDS, APACHE, "$missing", None),
    (APACHE_FIELDS, APACHE, "$.bytes", None),
    (APACHE_FIELDS, APACHE, "3", 3.0),
    ("[x, ..., y]", "a 5 b c", "$2", 5.0),
    ("[x, ..., y]", "a 5 b c", "$x", None),
    ("[..., n]", "a b 7", "$n", 7.0),
    ("[,n]", "7 8", "$1", 7.0),
    # Terms extract nothing but a literal value.
    ("ERROR", "ERROR latency 5", "1", 1.0),
    ("ERROR", '{"ERROR": 5}', "$.ERROR", None),
    ("ERROR", "WARN", "1", None),
]


@pytest.mark.parametrize(("pattern", "event", "spec", "expected"), VALUES)
def test_metric_values(pattern: str, event: str, spec: str, expected: float | None) -> None:
    assert compile_pattern(pattern).extract(event, spec) == expected


DIMENSIONS: list[tuple[str, str, str, str | None]] = [
    # "Filter pattern syntax for metric filters": "Publishing dimensions with metrics ..."
    (
        '{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }',
        TRAIL,
        "$.eventType",
        "UpdateTrail",
    ),
    (APACHE_FIELDS, APACHE, "$server", "Prod"),
    ("{ $.eventType = * }", TRAIL, "$.objectList[1].id", "2"),
    ("{ $.eventType = * }", TRAIL, "$.objectList[1]", None),
    ("{ $.eventType = * }", TRAIL, "$.SomeObject", None),
    ("{ $.eventType = * }", TRAIL, "$.arrayKey", None),
    ("{ $.eventType = * }", TRAIL, "$.['cluster.name']", "c"),
    ("{ $.eventType = * }", '{"eventType": "x", "rate": 0.5}', "$.rate", "0.5"),
    (APACHE_FIELDS, APACHE, "$timestamp", "10/Oct/2000:13:25:15 -0700"),
]


@pytest.mark.parametrize(("pattern", "event", "spec", "expected"), DIMENSIONS)
def test_dimension_values(pattern: str, event: str, spec: str, expected: str | None) -> None:
    match = compile_pattern(pattern).match(event)
    assert match is not None
    assert match.dimension(spec) == expected


def test_extracted_values_of_a_delimited_pattern() -> None:
    # "Filter pattern syntax for metric filters": "Example: Extracted fields and values"
    match = compile_pattern(APACHE_FIELDS).match(APACHE)
    assert match is not None
    assert match.extracted_values == {
        "$ip": "127.0.0.1",
        "$server": "Prod",
        "$username": "frank",
        "$timestamp": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404",
        "$bytes": "1534",
    }


def test_extracted_values_number_the_unnamed_fields() -> None:
    # Filter and Pattern Syntax (archived): "$7", "$4" ... "$1" for the fields no name covers
    event = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    match = compile_pattern("[..., request=*.html*, status_code=4*,]").match(event)
    assert match is not None
    assert match.extracted_values == {
        "$1": "127.0.0.1",
        "$2": "-",
        "$3": "frank",
        "$4": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404",
        "$7": "1534",
    }


def test_the_last_field_takes_the_rest_of_the_event() -> None:
    match = compile_pattern("[w1=ERROR, w2]").match(ERROR)
    assert match is not None
    assert match.extracted_values == {
        "$w1": "ERROR",
        "$w2": "09/25/2014 12:00:02 Failed to process request",
    }


@pytest.mark.parametrize(
    ("pattern", "event"), [("ERROR", "ERROR"), ("{ $.a = 1 }", '{"a": 1}'), ("", "x")]
)
def test_only_delimited_patterns_extract_values(pattern: str, event: str) -> None:
    match = compile_pattern(pattern).match(event)
    assert match is not None
    assert match.extracted_values == {}


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("", PatternKind.TERMS),
        ("ERROR -x", PatternKind.TERMS),
        ("%a%", PatternKind.TERMS),
        ("  [a, b]", PatternKind.DELIMITED),
        (" { $.a = 1 } ", PatternKind.JSON),
    ],
)
def test_kinds(pattern: str, kind: PatternKind) -> None:
    assert compile_pattern(pattern).kind is kind


# -- Patterns AWS refuses -------------------------------------------------------------------------

UNCLOSED_JSON = "If a filter pattern starts with '{' it must end with '}'"

INVALID: list[tuple[str, str | None]] = [
    # Seen from AWS (FilterLogEvents, subscription filters, Live Tail)
    ('{$.kubernetes.namespace_name="abc" && $.kubernetes.container_name="def"', UNCLOSED_JSON),
    ("{ $.a = 1 } x", UNCLOSED_JSON),
    ('""', "Invalid character(s) in term '\"\"'"),
    ("?Status: timeout", "Invalid character(s) in term ':'"),
    ("Exited (1)", "Invalid character(s) in term '('"),
    ('level\\":\\"error', "Invalid character(s) in term '\\'"),
    ("`ERROR", "Invalid character(s) in term '`'"),
    ("\u201cERROR\u201d", "Invalid character(s) in term '\u201c'"),
    ('{ $."sc-status" = 5* }', "Invalid character(s) in term '$.\"'"),
    ("{$.userIdentity.type = 'Root'}", "Invalid character(s) in term '''"),
    # awsdocs/amazon-cloudwatch-logs-user-guide issue #21: a condition on another field
    ("[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", None),
    ("[w1=ERROR || W1=WARNING, w2]", None),
    # Filter and Pattern Syntax (archived): `=!` is not an operator
    ("[w1=!ERROR&&w1=!WARN, w2]", "Invalid character(s) in term '!'"),
    # Filter pattern syntax: "The variables IS NOT and EXISTS currently aren't supported."
    ("{ $.a IS NOT NULL }", None),
    ("{ $.a EXISTS }", None),
    ("{ $.a is null }", None),
    # Filter pattern syntax: regex characters and quotas
    ("%something!%", "Invalid character(s) in term '!'"),
    ("%(a|b)%", "Invalid character(s) in term '('"),
    ("%caf\u00e9%", "Invalid character(s) in term '\u00e9'"),
    (r"%\bword%", None),
    ("%%", None),
    ("%abc", None),
    ("%a% %b% %c%", None),
    ("[a = %x%, b = %y%, c = %z%]", None),
    ("{ $.a = %x% || $.b = %y% || $.c = %z% }", None),
    ("{ $.a[*].b[*] = 1 }", None),
    ("{ $.a[*] = 1 && $.b[*] = 1 && $.c[*] = 1 && $.d[*] = 1 }", None),
    # Malformed
    ("?", None),
    ("ERROR -", None),
    ('"unterminated', None),
    ("ERROR-WARN", "Invalid character(s) in term '-'"),
    ("10.0.0.1", "Invalid character(s) in term '.'"),
    ("[]", None),
    ("[a", None),
    ("[a] b", None),
    ("[a b]", None),
    ("[a = ]", "Invalid character(s) in term ']'"),
    ("[a == 1]", "Invalid character(s) in term '='"),
    ("[a && a = 1]", None),
    ("[a > 4*]", None),
    ("[a > x]", None),
    ("[(a = 1)]", "Invalid character(s) in term '('"),
    ("{ }", None),
    ("{ $.a }", None),
    ("{ $ = 1 }", None),
    ("{ $[0] = 1 }", None),
    ("{ a = 1 }", None),
    ("{ $.a = 1 && }", None),
    ("{ ($.a = 1 }", None),
    ("{ $.a = 1 ) }", None),
    ("{ $.a > %x% }", None),
    ("{ $.a >= abc }", None),
    ("{ $.a = }", "Invalid character(s) in term '}'"),
    ("{ $.a = a@b }", "Invalid character(s) in term '@'"),
    ("{ $.a === 1 }", "Invalid character(s) in term '='"),
    ("[a = x/y]", "Invalid character(s) in term '/'"),
    ("x" * (MAX_PATTERN_LENGTH + 1), None),
]


@pytest.mark.parametrize(("pattern", "reason"), INVALID)
def test_invalid_patterns(pattern: str, reason: str | None) -> None:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern(pattern)
    assert raised.value.reason == reason


def test_an_error_without_a_reason_says_the_operations_own_words() -> None:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern("[]")
    assert raised.value.message() == "Invalid filter pattern"
    assert raised.value.message(INVALID_METRIC_FILTER_PATTERN) == "Invalid metric filter pattern"
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern('""')
    assert (
        raised.value.message(INVALID_METRIC_FILTER_PATTERN) == "Invalid character(s) in term '\"\"'"
    )


def test_the_longest_pattern_is_allowed() -> None:
    assert compile_pattern("x" * MAX_PATTERN_LENGTH).matches("x" * MAX_PATTERN_LENGTH)


# -- The prefilter ---------------------------------------------------------------------------------


def test_the_prefilter_refuses_json_events_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_json_reads(monkeypatch)
    pattern = compile_pattern('{ $.eventType = "UpdateTrail" || $.latency > 1000 }')
    assert not pattern.matches('{"eventType": "CreateTrail"}')
    assert not pattern.matches('{"other": 5}')
    assert reads == []
    assert not pattern.matches('{"latency": 999, "x": {"latency": "2000"}}')
    assert reads == []
    assert pattern.matches('{"latency": 1e4}')
    assert not pattern.matches('{"latenc\\u0079": 5}')
    assert len(reads) == 2


def test_a_json_pattern_reads_only_the_members_it_tests_by_their_names() -> None:
    pattern = compile_pattern("{ $.['\u00e9t\u00e9'] = 1 && $.a.b = 2 }")
    assert pattern.members == frozenset({"\u00e9t\u00e9", "a"})
    assert pattern.matches('{"\u00e9t\u00e9": 1, "a": {"b": 2}, "c": [NaN]}')
    assert not pattern.matches('{"": 1, "a": {"b": 2}}')
    assert compile_pattern("{ $.*.b = 2 }").members is None
    assert compile_pattern("[a, b]").members == frozenset()


@pytest.mark.parametrize(
    ("event", "passes"),
    [
        ('{"n": 2}', True),
        ('{"n": 2.5}', True),
        ('{"n": 12345678901234567890}', True),
        ('{"n": 1e400}', True),
        ('{"n": 1}', False),
        ('{"n": NaN}', False),
        ('{"n": "5"}', False),
        ('{"n": true}', False),
        ('{"n": null}', False),
        ('{"n": [5]}', False),
        ('{"m": 5}', False),
        ('{"x": {"n": 5}}', False),
    ],
)
def test_an_order_comparison_takes_a_number_and_nothing_else(event: str, passes: bool) -> None:
    for prefilter in (True, False):
        assert compile_pattern("{ $.n > 1 }", prefilter=prefilter).matches(event) is passes


KEYS = ("a", "b", "c-d", "x.y")
SELECTORS = ("$.a", "$.b", "$.a.b", "$.a[0]", "$.a[*]", "$.*", "$.['x.y']", "$.c-d", "$.b[1].a")
LITERALS = (
    '"UpdateTrail"',
    "UpdateTrail",
    "Upd*",
    "*Trail",
    "*rai*",
    '"a b"',
    '"a\\"b"',
    "400",
    "4e2",
    "+400",
    "4*",
    "40*",
    "*",
    "-1.5",
    "0",
    "%Trail%",
    "%^4%",
    '"\u00e9t\u00e9"',
    "true",
    "null",
    '""',
)
OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
STRINGS = ("UpdateTrail", "Upd", "400", "4", "a b", 'a"b', "\u00e9t\u00e9", "", "Trail", "x/y")
NUMBERS_ = (400, 400.0, 4, -1.5, 0, 1e300, 12345678901234567890, math.inf, -math.inf, math.nan)


def _conditions() -> st.SearchStrategy[str]:
    comparison = st.builds(
        lambda selector, op, literal: f"{selector} {op} {literal}",
        st.sampled_from(SELECTORS),
        st.sampled_from(OPERATORS),
        st.sampled_from(LITERALS),
    )
    keyword = st.builds(
        lambda selector, word: f"{selector} {word}",
        st.sampled_from(SELECTORS),
        st.sampled_from(("IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS")),
    )
    return st.one_of(comparison, keyword)


def _expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        _conditions(),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"{a} && {b}", inner, inner),
            st.builds(lambda a, b: f"{a} || {b}", inner, inner),
            st.builds(lambda a: f"({a})", inner),
        ),
        max_leaves=4,
    )


def _leaves() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS_), st.booleans(), st.none())


def _documents() -> st.SearchStrategy[Any]:
    values = st.recursive(
        _leaves(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
        ),
        max_leaves=6,
    )
    return st.dictionaries(st.sampled_from(KEYS), values, max_size=4)


def _encode(value: Any, escape: bool, spelling: int) -> str:
    """JSON for `value`, strings escaped as `\\uXXXX` or not, numbers spelt four ways."""
    if isinstance(value, str):
        if escape:
            return '"' + "".join(f"\\u{ord(char):04x}" for char in value) + '"'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return json.dumps(value)
        if spelling == 1 and value == int(value) and abs(value) < 1e15:
            return f"{int(value)}.0"
        if spelling == 2:
            return f"{value:e}"
        if spelling == 3:
            mantissa, exponent = f"{value:e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_encode(item, escape, spelling) for item in value) + "]"
    return (
        "{"
        + ", ".join(
            f"{_encode(key, escape, spelling)}: {_encode(item, escape, spelling)}"
            for key, item in value.items()
        )
        + "}"
    )


def _with_and_without_prefilter(pattern: str) -> tuple[FilterPattern, FilterPattern]:
    """The pattern compiled as filters use it and without its prefilter; examples
    that make a pattern AWS refuses are not counted."""
    try:
        fast = compile_pattern(pattern)
    except FilterPatternError:
        assume(False)
    return fast, compile_pattern(pattern, prefilter=False)


# Where a word test would go wrong: a number spelt otherwise than Python writes it,
# and names and values spelt with escapes.
@example(expression="$.a = 40*", document={"a": 400}, escape=False, spelling=3)
@example(expression="$.a IS NULL", document={"a": None}, escape=True, spelling=0)
@example(expression="$.b > 1000", document={"b": 2000}, escape=False, spelling=3)
@example(expression="$.b >= 4e2", document={"b": 400}, escape=False, spelling=2)
@example(expression="$.b > 1000", document={"b": math.inf}, escape=False, spelling=0)
@example(expression="$.a.b < 5", document={"a": {"b": -1.5}, "b": 9}, escape=False, spelling=2)
@example(expression='$.b = "Upd*"', document={"b": "UpdateTrail"}, escape=True, spelling=0)
@given(
    expression=_expressions(),
    document=_documents(),
    escape=st.booleans(),
    spelling=st.integers(0, 3),
)
def test_the_json_prefilter_never_changes_a_result(
    expression: str, document: Any, escape: bool, spelling: int
) -> None:
    pattern = f"{{ {expression} }}"
    fast, slow = _with_and_without_prefilter(pattern)
    event = _encode(document, escape, spelling)
    assert fast.matches(event) == slow.matches(event)
    assert fast.match(event) == slow.match(event)


WORDS = ("ERROR", "WARN", "404", "4040", "200", "-", "x.html", "/index.html", "5.5", "1e3", "")


def _fields() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS)
    return st.one_of(
        word.filter(bool),
        st.builds(lambda a, b: f'"{a} {b}"', word, word),
        st.builds(lambda a, b: f"[{a} {b}]", word, word),
    )


def _slots() -> st.SearchStrategy[str]:
    value = st.sampled_from(
        ("ERROR", "4*", "*.html", "*html*", "404", "200", "5.5", "-", '"ERROR 404"', "%^4%")
    )
    condition = st.builds(
        lambda op, literal: f"{op} {literal}", st.sampled_from(("=", "!=")), value
    ) | st.builds(
        lambda op, number: f"{op} {number}",
        st.sampled_from(("<", ">", ">=", "<=")),
        st.sampled_from(("404", "5", "1e3")),
    )
    named = st.builds(
        lambda name, first, rest: (
            f"{name} {first}" + "".join(f" {joiner} {name} {more}" for joiner, more in rest)
        ),
        st.sampled_from(("f", "g")),
        condition,
        st.lists(st.tuples(st.sampled_from(("&&", "||")), condition), max_size=2),
    )
    return st.one_of(st.just("..."), st.just(""), st.just("name"), named)


@given(slots=st.lists(_slots(), min_size=1, max_size=5), fields=st.lists(_fields(), max_size=7))
def test_the_delimited_prefilter_never_changes_a_result(
    slots: list[str], fields: list[str]
) -> None:
    pattern = "[" + ", ".join(slots) + "]"
    fast, slow = _with_and_without_prefilter(pattern)
    event = " ".join(fields)
    assert fast.matches(event) == slow.matches(event)
    assert fast.match(event) == slow.match(event)


# -- Batches: `select`, which metric filters and FilterLogEvents use ----------------------------


def test_a_batch_selects_the_rows_each_event_matches_alone() -> None:
    """Every pattern of the table over every event of it, as one batch and as part of one;
    what a metric filter reads of a row chosen is the event's match."""
    events = [event for _, event, _ in ALL_CASES]
    for pattern in dict.fromkeys(pattern for pattern, _, _ in ALL_CASES):
        alone = compile_pattern(pattern, prefilter=False).matches
        compiled = compile_pattern(pattern)
        expected = [row for row, event in enumerate(events) if alone(event)]
        assert list(compiled.select(events, range(len(events)))) == expected, pattern
        middle = range(10, len(events) - 10)
        parse = ParseOnce()
        assert list(compiled.select(events, middle, parse)) == [
            row for row in expected if row in middle
        ], pattern
        for row in expected:
            assert compiled.selected(events[row], parse) == compiled.match(events[row]), pattern


@example(expression="$.b > 1000", documents=[{"b": 2000}, {"b": 999}], escape=False, spelling=3)
@example(expression="$.b >= 4e2", documents=[{"b": 400}, {"b": 399.9}], escape=False, spelling=2)
@example(expression="$.b < 0", documents=[{"b": -0.0}, {"b": -1.5}], escape=False, spelling=0)
@example(expression="$.a.b < 5", documents=[{"a": {"b": 4.99}}], escape=False, spelling=1)
@given(
    expression=_expressions(),
    documents=st.lists(_documents(), min_size=1, max_size=4),
    escape=st.booleans(),
    spelling=st.integers(0, 3),
)
def test_a_batch_selects_as_json_events_are_matched_one_by_one(
    expression: str, documents: list[Any], escape: bool, spelling: int
) -> None:
    pattern = f"{{ {expression} }}"
    fast, slow = _with_and_without_prefilter(pattern)
    events = [_encode(document, escape, spelling) for document in documents]
    expected = [row for row, event in enumerate(events) if slow.matches(event)]
    assert list(fast.select(events, range(len(events)), ParseOnce())) == expected


@given(
    slots=st.lists(_slots(), min_size=1, max_size=5),
    lines=st.lists(st.lists(_fields(), max_size=7), min_size=1, max_size=4),
)
def test_a_batch_selects_as_delimited_events_are_matched_one_by_one(
    slots: list[str], lines: list[list[str]]
) -> None:
    pattern = "[" + ", ".join(slots) + "]"
    fast, slow = _with_and_without_prefilter(pattern)
    events = [" ".join(fields) for fields in lines]
    expected = [row for row, event in enumerate(events) if slow.matches(event)]
    assert list(fast.select(events, range(len(events)))) == expected


def _json_numbers() -> st.SearchStrategy[str]:
    """Numbers as JSON may spell them: integers, fractions, exponents, `-0`, infinities."""
    integers = st.integers(-(10**20), 10**20).map(str)
    fractions = st.floats(allow_nan=False, allow_infinity=False).map(json.dumps)
    exponents = st.builds(
        lambda mantissa, exponent: f"{mantissa}e{exponent}",
        st.sampled_from(("0", "1", "-1", "8.5", "12", "-0.25")),
        st.integers(-5, 5),
    )
    named = st.sampled_from(("Infinity", "-Infinity", "NaN", "-0", "-0.0", "0.0", "850", "851.5"))
    return st.one_of(integers, fractions, exponents, named)


@example(number="-0", symbol=">=", bound="0")
@example(number="850.5", symbol=">", bound="850")
@example(number="9e2", symbol=">", bound="850")
@example(number="849.99", symbol="<", bound="850")
@example(number="1000", symbol="<=", bound="999.5")
@given(
    number=_json_numbers(),
    symbol=st.sampled_from(("<", "<=", ">", ">=")),
    bound=st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.floats(-1e6, 1e6).map(repr),
        st.sampled_from(("0", "1e3", "-1.5", "0.5", "99", "100", "1e19")),
    ),
)
def test_a_number_the_screen_refuses_fails_the_comparison(
    number: str, symbol: str, bound: str
) -> None:
    """The regex `select` screens numbers with lets through every one that passes."""
    try:
        compiled = compile_pattern(f"{{ $.n {symbol} {bound} }}")
    except FilterPatternError:
        assume(False)
    event = f'{{"n": {number}}}'
    passes = compiled.matches(event)
    assert passes == compile_pattern(f"{{ $.n {symbol} {bound} }}", prefilter=False).matches(event)
    assert list(compiled.select([event], range(1))) == ([0] if passes else [])


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.latency > 850 }",
        '{ $.latency > 850 && $.level = "ERROR" }',
        '{ $.level = "ERROR" }',
        "{ $['a\x00b'] < 5 }",
        "[ip, status = 5*, bytes > 100]",
        "ERROR -INFO",
        "",
    ],
)
def test_a_batch_of_many_parts_selects_as_its_events_are_matched(pattern: str) -> None:
    """Over 4,096 rows a batch is screened in parts: escapes in one part only, text that
    would span two messages, rows that start and end within a part."""
    events = []
    for i in range(10_000):
        level = "ERROR" if i % 7 == 0 else "INFO"
        events.append(f'{{"level": "{level}", "latency": {i % 1000}}}')
    # Escapes, in the first part only; the key and its number at the end of one message
    # and the start of the next, in the second.
    events[2000] = '{"lev\\u0065l": "ERROR", "l\\u0061tency": 900}'
    events[2001] = '{"a\\u0000b": 4, "level": "ERROR"}'
    events[5001] = '{"level": "ERROR", "latency": 1e3}'
    events[6000] = '{"level": "ERROR", "latency":'
    events[6001] = '900, "x": 1}'
    events[7000] = "10.0.0.1 503 200"
    events[7001] = '10.0.0.1 "503" [150]'
    alone = compile_pattern(pattern, prefilter=False).matches
    compiled = compile_pattern(pattern)
    rows = range(3, 9_990)
    expected = [row for row in rows if alone(events[row])]
    assert list(compiled.select(events, rows, ParseOnce())) == expected


#: A field as AWS documents them: quoted, bracketed, or up to the next whitespace.
_REFERENCE_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')


def _fields_one_by_one(message: str, count: int) -> list[str] | None:
    """`count` fields, read one after the other, the last taking the rest of the event."""
    found = list(_REFERENCE_FIELD.finditer(message))
    if len(found) < count:
        return None
    fields = [next(text for text in field.groups() if text is not None) for field in found]
    if len(found) > count:
        return [*fields[: count - 1], message[found[count - 1].start() :].rstrip()]
    return fields


@example(message='"a b"', count=2)
@example(message='"a"b c', count=2)
@example(message='x "" [] y', count=3)
@example(message='x "a b" c\u00a0d ', count=2)
@example(message="[a\nb] c\n", count=1)
@given(message=st.text(alphabet=' \t\n\u00a0\u2003"[]ab', max_size=14), count=st.integers(1, 4))
def test_a_pattern_without_an_ellipsis_reads_the_fields_split_fields_reads(
    message: str, count: int
) -> None:
    """Its one regex (or `str.split`, with no quote or bracket) reads the fields read one by
    one, the last field the rest of the event when more follow."""
    names = [f"f{i}" for i in range(count)]
    found = compile_pattern("[" + ", ".join(names) + "]").match(message)
    expected = _fields_one_by_one(message, count)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert list(found.extracted_values.values()) == expected
