"""Experiment definitions: detector response, reconstruction, selection and exposure.

One module per experiment (``miniboone``, ``minerva``), with its numbers in a TOML file beside
it that cites the paper section each number comes from.
"""
