"""pytest hooks for training/tests.

The tests are unittest.TestCase classes, so that ``python3 -m unittest discover`` runs them without
pytest installed; they do not import pytest. A class that trains a model end to end says so with a
class attribute ``slow = True``, and this hook gives its tests pytest's ``slow`` marker (registered
in training/pyproject.toml):

    /usr/bin/python3 -m pytest -q -m "not slow"   # the quick unit tests
    /usr/bin/python3 -m pytest -q                 # everything
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(getattr(item, "cls", None), "slow", False) is True:
            item.add_marker(pytest.mark.slow)
