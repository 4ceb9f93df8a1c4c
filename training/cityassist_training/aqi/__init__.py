"""AQI forecasting: loader for OpenAQ-style long CSV, Olinda sensor simulator, multi-horizon XGBoost
forecaster with conformal intervals, US EPA AQI, evaluation, ONNX export. See training/AQI.md.

``train.py aqi`` dispatches to :func:`add_arguments` and :func:`run`.
"""

from .cli import add_arguments, run

__all__ = ["add_arguments", "run"]
