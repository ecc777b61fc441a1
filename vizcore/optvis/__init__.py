"""The one optimisation loop under synthesis and style: objectives, parametrizations, transforms and regularizers.
"""
from vizcore.optvis.regularizers import total_variation

__all__ = ["total_variation"]
