"""CloudWatch Logs Insights: the query language (Logs Insights QL) and its engine.

`parse_query` reads a query (`parser.py` over `scanner.py`, into
`syntax.py`'s nodes) and refuses a malformed one with `QueryError`, which
StartQuery answers as MalformedQueryException. `engine.run` executes a
parsed query on polars (`source.py` builds the frame of events,
`values.py` compiles expressions). Nothing here imports polars but the
engine and the modules it uses, so importing this package, as the service
does, costs no polars import: the engine is imported by the first query.

Supported: `fields` (with `as` and a few functions), `filter` (comparisons,
`like` with strings and regexes, `=~`, `in [...]`, `and`/`or`/`not`,
`ispresent`/`isempty`/`isblank`), `stats` (`count`, `count_distinct`,
`sum`, `avg`, `min`, `max`, `stddev`, `pct`, `by` fields and `bin()`),
`sort`, `limit`, `parse` (glob and named-group regex), `dedup`, `display`.
"""

from backend.services.logs.insights.errors import QueryError
from backend.services.logs.insights.parser import MAX_LIMIT, parse_query
from backend.services.logs.insights.syntax import Query

__all__ = ["MAX_LIMIT", "Query", "QueryError", "parse_query"]
