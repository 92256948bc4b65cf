"""Interactive demos: thin shells that redraw a pure computation when a slider moves."""

from gdlab.widgets.base import BlittedFigure, canvas_png, is_headless
from gdlab.widgets.capstone import BudgetExplorer, budget_explorer
from gdlab.widgets.learning_rate import LearningRateExplorer, learning_rate_explorer
from gdlab.widgets.minibatch import MiniBatchExplorer
from gdlab.widgets.network import NetworkExplorer
from gdlab.widgets.newton import NewtonDampingExplorer, newton_damping_explorer
from gdlab.widgets.paths import PathExplorer, momentum_explorer, ravine_explorer
from gdlab.widgets.race import AdaptiveRace, adaptive_race
from gdlab.widgets.regions import RegionMapExplorer, region_map_explorer
from gdlab.widgets.saddle import SaddleEscapeExplorer, saddle_escape_explorer
from gdlab.widgets.schedules import SchedulePicker
from gdlab.widgets.tangent import TangentExplorer

__all__ = [
    "adaptive_race",
    "AdaptiveRace",
    "BlittedFigure",
    "budget_explorer",
    "BudgetExplorer",
    "canvas_png",
    "is_headless",
    "learning_rate_explorer",
    "LearningRateExplorer",
    "MiniBatchExplorer",
    "momentum_explorer",
    "NetworkExplorer",
    "newton_damping_explorer",
    "NewtonDampingExplorer",
    "PathExplorer",
    "ravine_explorer",
    "region_map_explorer",
    "RegionMapExplorer",
    "saddle_escape_explorer",
    "SaddleEscapeExplorer",
    "SchedulePicker",
    "TangentExplorer",
]
