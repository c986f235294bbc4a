"""VPC Flow Logs' record engine: formats, per-window aggregation and delivery (AWS_FACTS §7)."""
