"""Sequence-model comparison (issue 19 point 2): a causal TCN trained on exactly the splits of the
tree forecasters (aqi, energy), scored with their per-horizon tables, baselines and bootstrap
intervals. See compare.py."""
