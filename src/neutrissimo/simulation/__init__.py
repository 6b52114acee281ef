"""The weighted Monte Carlo: cross-section tables, injection (:func:`~neutrissimo.simulation.
injection.generate`) and :class:`~neutrissimo.simulation.events.Events` with exact reweighting.
"""

__all__ = ["cross_section_tables", "events", "injection"]
