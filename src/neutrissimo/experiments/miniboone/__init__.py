"""MiniBooNE (paper Sec. IV): configuration, data release, response, reconstruction, likelihood.

The subpackage's public names are re-exported here, so ``from neutrissimo.experiments import
miniboone`` then ``miniboone.detector_response(...)`` works; each lives in one module:
:mod:`.config`, :mod:`.release`, :mod:`.response`, :mod:`.reconstruction`, :mod:`.likelihood`,
:mod:`.oscillations` (3+1 appearance) and :mod:`.official_3p1` (the official 3+1 surface).
"""

from neutrissimo.experiments.miniboone import (
    config,
    likelihood,
    reconstruction,
    release,
    response,
    spectra,
)
from neutrissimo.experiments.miniboone.config import *  # noqa: F403
from neutrissimo.experiments.miniboone.likelihood import *  # noqa: F403
from neutrissimo.experiments.miniboone.reconstruction import *  # noqa: F403
from neutrissimo.experiments.miniboone.release import *  # noqa: F403
from neutrissimo.experiments.miniboone.response import *  # noqa: F403
from neutrissimo.experiments.miniboone.spectra import *  # noqa: F403

__all__ = [
    *config.__all__,
    *likelihood.__all__,
    *reconstruction.__all__,
    *release.__all__,
    *response.__all__,
    *spectra.__all__,
]
