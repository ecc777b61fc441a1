"""Activations: one layer's response to one image, as the Deep Visualization Toolbox shows it.

Yosinski et al. 2015 ("Understanding Neural Networks Through Deep
Visualization") tile every channel of a layer into one picture (:mod:`.grids`)
and report the unit under the cursor: its map over the input, its peak, its
rank among the layer's channels (:mod:`.units`; Zeiler & Fergus 2014 rank
channels the same way, by their strongest activation).
"""
