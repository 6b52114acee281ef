"""Experiment-agnostic statistics: weighted histograms, Gaussian algebra with covariances,
Wilks thresholds, contours, and the Poisson profile likelihood for upper limits.
"""

__all__ = ["contours", "gaussian", "histogram", "limits", "profile", "wilks"]
