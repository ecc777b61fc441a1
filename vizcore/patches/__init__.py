"""Max-activating patches with their receptive fields (Zeiler & Fergus 2014, §4; the toolbox's "top 9").

- :func:`scan` (:mod:`.topk`): each unit's top-k images of a dataset in one pass;
- :func:`receptive_field` (:mod:`.receptive`): the input pixels a unit sees,
  measured for any architecture (Araujo, Norris & Sim 2019);
- :mod:`.store`: scans kept on disk, keyed by the weights, the data, the layer and k.
"""
from vizcore.patches.receptive import Box, receptive_field
from vizcore.patches.topk import TopK, crop, cut, outline, scan, source

__all__ = ["Box", "TopK", "crop", "cut", "outline", "receptive_field", "scan", "source"]
