"""Interactive demos: thin shells that redraw a pure computation when a slider moves."""

from gdlab.widgets.base import BlittedFigure, canvas_png, is_headless
from gdlab.widgets.learning_rate import LearningRateExplorer, learning_rate_explorer
from gdlab.widgets.tangent import TangentExplorer
from gdlab.widgets.newton import NewtonDampingExplorer, newton_damping_explorer
from gdlab.widgets.saddle import SaddleEscapeExplorer, saddle_escape_explorer
from gdlab.widgets.paths import PathExplorer, momentum_explorer, ravine_explorer
from gdlab.widgets.regions import RegionMapExplorer, region_map_explorer

__all__ = [
    "BlittedFigure",
    "LearningRateExplorer",
    "TangentExplorer",
    "canvas_png",
    "is_headless",
    "learning_rate_explorer",
]
__all__ += ["PathExplorer", "RegionMapExplorer", "momentum_explorer", "ravine_explorer", "region_map_explorer"]
__all__ += ["NewtonDampingExplorer", "SaddleEscapeExplorer", "newton_damping_explorer", "saddle_escape_explorer"]
