"""The AWS-compatible HTTP endpoint: protocol codecs over `Cloud.call`, no service logic."""
