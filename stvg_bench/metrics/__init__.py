"""Metric functions: vectorised maths over columnar ground truth and predictions."""
