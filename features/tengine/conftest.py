"""Use case 000 (seeds/000): its own steps (features/tengine/steps) and what the procedure
carries from step to step. The lab and the product facts (lab/products/tengine.yaml) come
from this folder's name (oat/plugin/features.py)."""

import pytest

from features.tengine.steps.console import *  # noqa: F401,F403 - step definitions are fixtures
from features.tengine.steps.jobs import *  # noqa: F401,F403
from features.tengine.steps.platform import *  # noqa: F401,F403
from features.tengine.steps.state import TengineState
from features.tengine.steps.support import *  # noqa: F401,F403
from features.tengine.steps.tengine import *  # noqa: F401,F403


@pytest.fixture(scope="session")
def tengine_state() -> TengineState:
    """What the procedure carries from step to step (test start results, jobnet names…)."""
    return TengineState()
