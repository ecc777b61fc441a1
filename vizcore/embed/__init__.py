"""Embeddings: a layer's vectors for a whole dataset, maps of them in 2-D, and nearest neighbours.

The CS231n lecture's "last layer" slides: run the network on many images,
collect the vectors before the classifier (Krizhevsky et al. 2012's FC7),
compare the images nearest in that space with those nearest in pixel space,
and map the space to 2-D (PCA, t-SNE, UMAP) — Karpathy's t-SNE grid of
ImageNet included.

    X = vc.embed.features(m, dataset)                # [N, D], the penultimate layer, kept on disk
    xy = vc.embed.project(X, "tsne", seed=0)         # [N, 2]
    idx, dist = vc.embed.neighbors(X, X[0], k=10)    # nearest first, cosine distance
    cells = vc.embed.snap(xy)                        # the t-SNE grid: one lattice cell per point
"""
from vizcore.embed.extraction import Features, encode, extract, features, penultimate, pixels
from vizcore.embed.lattice import picture, shape, snap
from vizcore.embed.maps import METHODS, Map, fit, project
from vizcore.embed.search import Index, neighbors

__all__ = ["Features", "Index", "METHODS", "Map", "encode", "extract", "features", "fit", "neighbors", "penultimate",
           "picture", "pixels", "project", "shape", "snap"]
