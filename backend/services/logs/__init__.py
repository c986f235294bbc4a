"""CloudWatch Logs: log groups and streams, their events, and the filters that read them."""
