"""Figures of the paper, one function per figure, grouped by topic.

Plotting is kept out of the physics core: these modules import matplotlib, the rest of the
package does not.
"""

__all__ = ["minerva", "miniboone", "monte_carlo", "physics", "save"]
