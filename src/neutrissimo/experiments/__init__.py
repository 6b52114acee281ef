"""Experiments: one subpackage per experiment (:mod:`.miniboone`, :mod:`.minerva`) with its
configuration, data release, response, reconstruction, selection and likelihood, each with its
numbers in a TOML beside it that cites the paper; below them the response contract both
implement (:mod:`.response`) and other experiments' published limits (:mod:`.existing_limits`);
above them the simulation setups that join a detector, a flux and an exposure (:mod:`.setups`).
"""

__all__ = ["existing_limits", "minerva", "miniboone", "response", "setups"]
