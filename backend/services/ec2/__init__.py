"""Amazon EC2 and VPC: an empty placeholder, replaced by the EC2 service."""
