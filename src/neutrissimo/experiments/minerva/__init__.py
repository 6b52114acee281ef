"""MINERvA nu-e elastic analyses recast for HNL photons (paper Sec. V).

The subpackage's public names are re-exported here; each lives in one module: :mod:`.config`,
:mod:`.response`, :mod:`.reconstruction`, :mod:`.selection`, :mod:`.release` (dE/dx data) and
:mod:`.likelihood` (the one owner of the MINERvA likelihood).
"""

from neutrissimo.experiments.minerva import (
    config,
    likelihood,
    reconstruction,
    release,
    response,
    selection,
    spectra,
)
from neutrissimo.experiments.minerva.config import *  # noqa: F403
from neutrissimo.experiments.minerva.likelihood import *  # noqa: F403
from neutrissimo.experiments.minerva.reconstruction import *  # noqa: F403
from neutrissimo.experiments.minerva.release import *  # noqa: F403
from neutrissimo.experiments.minerva.response import *  # noqa: F403
from neutrissimo.experiments.minerva.selection import *  # noqa: F403
from neutrissimo.experiments.minerva.spectra import *  # noqa: F403

__all__ = [
    *config.__all__,
    *likelihood.__all__,
    *reconstruction.__all__,
    *release.__all__,
    *response.__all__,
    *selection.__all__,
    *spectra.__all__,
]
