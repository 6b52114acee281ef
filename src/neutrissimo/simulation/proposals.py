"""Proposal settings of the weighted Monte Carlo (:mod:`neutrissimo.simulation.injection`), mixtures
and their pilot optimisation. The samplers are in :mod:`neutrissimo.simulation.production_proposals`
(rays, vertices, azimuth) and :mod:`neutrissimo.simulation.decay_proposals` (decay distance, photon
direction).

Every sampler returns its draws together with the exact weight p/q (physical density over
proposal density) or, for the decay distance, the proposal density q(x) itself (the physical
exp(-x/L)/L is applied for each coupling by :meth:`neutrissimo.simulation.events.Events.weights`).
Nothing sampled depends on the couplings of a particular point: the proposals depend on the HNL
mass and on the *range* of couplings ``couplings = (d_min, d_max)`` the sample serves.

Mixtures are written ``q = sum_i a_i g_i / sum_{i available} a_i`` (a component that does not
exist for an event, e.g. an azimuth arc towards a region the path cannot reach, is dropped and
the shares renormalised). :func:`optimise_shares` chooses the shares a_i from a pilot sample by
the multichannel method of R. Kleiss and R. Pittau, Comput. Phys. Commun. 83 (1994) 141: it
minimises the summed relative variance

    V(a) = sum_c e_c E_q[w_c^2] / R_c^2 = mean_pilot( sum_c e_c w_c^2 / R_c^2 prod_f g_f^0/g_f(a) )

over the couplings c of the grid whose expected signal R_c is at least one event, each
emphasised by its pilot relative variance e_c (mean 1; the linearised sum_c V_c^2, so that the
worst-served couplings of a scan grid count most), with the
fixed-point update a_i <- a_i sqrt(W_i), W_i = mean(S R g_i / g) (R = g^0 / g), and a floor on
every share (defensive: no weight is ever larger than 1/floor times the one-component weight).
Where components are missing for an event, W_i = mean(S R (1 + a_i (g_i/g - 1) / sum_avail a)),
i.e. minus the gradient of V plus V: an event for which the shares do not matter adds the same
to every W_i.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from neutrissimo.detector.shapes import Sphere
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.events import decay_weights
from neutrissimo.simulation.mixtures import Mixture, nesting
from neutrissimo.simulation.trials import BATCH_SIZE, TrialStream

__all__ = [
    "BATCH_SIZE",
    "LEGACY",
    "InjectionSettings",
    "coupling_grid",
    "grid_weights",
    "optimise_pilot",
    "optimise_shares",
    "run_until_kept",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class InjectionSettings:
    """Proposal distributions of the injection (all lengths in cm, z along the beam).

    Attributes:
        start_z: where the neutrino rays start (upstream end of the geometry).
        inner_radius, outer_radius: transverse disks of the ray proposal (centre on the beam axis).
        ray_shares: probabilities of the inner uniform disk, of the Cauchy disk, of the middle
            uniform disk (radius ``middle_radius``) and of the core uniform disk (radius
            ``core_radius``); missing shares are 0; the wide uniform disk takes the rest.
        middle_radius: radius of the middle disk (0: sqrt(inner_radius outer_radius)).
        core_radius: radius of the core disk (0: inner_radius), the fiducial volume's
            footprint: the rays whose vertices make the photons that convert in it.
        near_z: (z_min, z_max) of the vertex component (b), a window around the detector.
        reference_z: the log-uniform vertex component (c) is in the distance upstream of it.
        log_min, log_max: range of that distance.
        vertex_shares: shares of the vertex components (a) whole ray, (b) near window,
            (c) log-uniform upstream, (d) the ray's crossing of the decay region, (e) its
            crossing of the reach sphere, (f) its crossing of the fiducial volume (missing
            shares are 0).
        reach_decay_lengths: radius of the reach sphere of component (e): the fiducial
            volume's bounding sphere grown by this many of the longest lab decay length the
            coupling range gives at |p_N| = E_nu (an upper bound): vertices from which a
            short-lived HNL can still reach the fiducial volume.
        decay_region: sphere outside which decays are neglected.
        decay_min: lower end of the log-uniform decay-distance component (``legacy`` only).
        decay_uniform_share: share of the uniform component of the decay distance.
        flux_share: share of the plain flux in the energy proposal.
        q2_focus_share, q2_region_share: shares of the Q^2 proposal focused on the polar
            angles whose paths cross the photon target sphere (for vertices more than two
            radii from it) and the decay region (for vertices upstream of it and more than two
            radii from its centre) (``legacy``: a normal around the angles that
            reach the decay region, share ``q2_focus_share``; :meth:`~neutrissimo.simulation.
            cross_section_tables.CrossSectionTable.sample_q2`).
        low_energy_share: share of its component prop. to Phi sigma_ref / E (the rest:
            Phi sigma_ref; :func:`~neutrissimo.simulation.production_proposals.energy_components`).
        azimuth_uniform_share: share of the uniform azimuth where an arc towards the decay
            region exists (an arc: the azimuths whose paths cross the sphere).
        azimuth_target_share: share of the arc of azimuths towards the photon target sphere
            (``photon_target_radius``), narrower than the decay region's where the fiducial
            volume is small (the arc towards the decay region takes the rest).
        azimuth_grown_share: share of the arc towards the photon target sphere grown by the
            photons' spread, for vertices upstream of the decay region
            (:func:`~neutrissimo.simulation.production_proposals.grown_target`).
        proposal: ``"mixture"`` (decay distance from a mixture of exponentials matched to the
            coupling range, photons biased towards the fiducial volume, shares from a pilot run)
            or ``"legacy"`` (uniform + log-uniform decay distance, physical photon directions,
            fixed shares: the proposal of versions before the mixture; same events for a seed).
        couplings: (d_min, d_max) in GeV^-1, the range of (d_e^2 + d_mu^2 + d_tau^2)^(1/2) the
            sample serves (default range of :func:`neutrissimo.simulation.injection.generate`).
        decay_lengths_per_decade: exponential components per decade of lab decay length.
        decay_shares: shares of (uniform, K exponentials from the vertex side, K exponentials
            across the fiducial volume) of the mixture
            (:func:`~neutrissimo.simulation.decay_proposals.sample_decays_mixture`); empty:
            uniform ``decay_uniform_share``, the rest split equally.
        photon_focus_share: share of rest-frame photon directions drawn uniformly in the cap
            whose lab image is the cone towards the fiducial volume's bounding sphere.
        photon_target_radius: radius (cm) of the sphere, centred on the fiducial volume's
            bounding box, that the photon bias aims at (0: a sphere containing the fiducial
            volume; a smaller one suits an elongated fiducial volume seen end-on).
        joint_angles, joint_shares: production points drawn jointly (not ray then vertex):
            distance D upstream of ``reference_z`` log-uniform on [log_min, log_max], then the
            distance r from the decay region's axis with density prop. to 1/(r^2 + rho^2) up to
            ``outer_radius``, rho = max(theta_k (z_region - z), inner_radius), one component per
            angle theta_k (rad) with its share (the ray-then-vertex product takes the rest):
            long-lived HNLs made far upstream reach the detector from r ~ theta D.
        pilot_events, pilot_rounds: trials of the last pilot round (``generate`` uses at most
            2 n_events, at least 5000, and records the number; each earlier round a quarter of
            the next, at least 1000: it only brings the shares near the optimum) and rounds of
            the share optimisation (0 rounds: the shares above are used as they are). The pilot
            trials are not part of the sample.
        pilot_fraction: the last pilot round has at least this fraction of the sample's events
            as trials (more than ``pilot_events`` for large samples: shares estimated on more
            trials vary less from seed to seed).
        share_floor: smallest share any mixture component gets from the optimisation.
        defensive_share: share of the trials drawn with the shares before the pilot (the
            settings as given) instead of the optimised ones, every trial weighted by the
            mixture of both, (1 - s) q_pilot + s q_given (exact): the pilot sees too few of
            the rare events of a wide coupling range to keep every share away from its floor,
            and an event drawn where several shares sit at the floor carries a large weight.
    """

    start_z: float
    inner_radius: float
    outer_radius: float
    near_z: tuple[float, float]
    reference_z: float
    log_min: float
    log_max: float
    decay_region: Sphere
    ray_shares: tuple[float, ...] = (0.3, 0.3, 0.1, 0.1)
    vertex_shares: tuple[float, ...] = (0.15, 0.2, 0.15, 0.2, 0.1, 0.2)
    reach_decay_lengths: float = 3.0
    middle_radius: float = 0.0
    core_radius: float = 0.0
    decay_min: float = 1e-8
    decay_uniform_share: float = 0.2
    flux_share: float = 0.1
    low_energy_share: float = 0.1
    q2_focus_share: float = 0.4
    q2_region_share: float = 0.2
    azimuth_uniform_share: float = 0.3
    azimuth_target_share: float = 0.3
    azimuth_grown_share: float = 0.1
    proposal: Literal["mixture", "legacy"] = "mixture"
    couplings: tuple[float, float] = (1e-8, 1e-5)
    decay_lengths_per_decade: float = 1.0
    decay_shares: tuple[float, ...] = ()
    photon_focus_share: float = 0.5
    photon_target_radius: float = 0.0
    joint_angles: tuple[float, ...] = (0.02, 0.1)
    joint_shares: tuple[float, ...] = (0.15, 0.15)
    pilot_events: int = 20_000
    pilot_rounds: int = 2
    pilot_fraction: float = 0.05
    share_floor: float = 0.02
    defensive_share: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.inner_radius <= self.outer_radius:
            raise ConfigurationError("Injection needs 0 < inner_radius <= outer_radius (cm).")
        if not self.near_z[0] < self.near_z[1]:
            raise ConfigurationError("Injection needs near_z = (z_min, z_max) with z_min < z_max.")
        if not 0 < self.log_min < self.log_max:
            raise ConfigurationError("Injection needs 0 < log_min < log_max (cm).")
        shares = np.asarray(self.vertex_shares, dtype=float)
        if not 3 <= len(shares) <= 6 or np.any(shares < 0) or not np.isclose(shares.sum(), 1.0):
            raise ConfigurationError("vertex_shares must be 3 to 6 numbers >= 0 summing to 1.")
        object.__setattr__(
            self, "vertex_shares", tuple(float(a) for a in shares) + (0.0,) * (6 - len(shares))
        )
        if self.reach_decay_lengths <= 0:
            raise ConfigurationError("reach_decay_lengths must be > 0.")
        rays = np.asarray(self.ray_shares, dtype=float)
        if not 2 <= len(rays) <= 4 or np.any(rays < 0) or rays.sum() > 1 + 1e-12:
            raise ConfigurationError("ray_shares must be 2 to 4 numbers >= 0 with sum <= 1.")
        object.__setattr__(
            self, "ray_shares", tuple(float(a) for a in rays) + (0.0,) * (4 - len(rays))
        )
        if self.middle_radius == 0.0:
            middle = math.sqrt(self.inner_radius * self.outer_radius)
            object.__setattr__(self, "middle_radius", middle)
        if self.core_radius == 0.0:
            object.__setattr__(self, "core_radius", self.inner_radius)
        for name in ("middle_radius", "core_radius"):
            if not 0 < getattr(self, name) <= self.outer_radius:
                raise ConfigurationError(f"{name} must lie in (0, outer_radius].")
        for name in (
            "decay_uniform_share",
            "flux_share",
            "low_energy_share",
            "azimuth_uniform_share",
            "azimuth_target_share",
            "azimuth_grown_share",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigurationError(f"{name} must lie in [0, 1].")
        if self.flux_share + self.low_energy_share > 1 + 1e-12:
            raise ConfigurationError(
                "flux_share + low_energy_share must be <= 1 (Phi sigma_ref takes the rest)."
            )
        arcs = self.azimuth_uniform_share + self.azimuth_target_share + self.azimuth_grown_share
        if arcs > 1 + 1e-12:
            raise ConfigurationError(
                "azimuth_uniform_share + azimuth_target_share + azimuth_grown_share must be <= 1 "
                "(the arc towards the decay region takes the rest)."
            )
        for name in ("photon_focus_share", "q2_focus_share", "q2_region_share"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must lie in [0, 1).")
        if not self.q2_focus_share + self.q2_region_share < 1:
            raise ConfigurationError(
                "q2_focus_share + q2_region_share must be < 1 (the tabulated Q^2 takes the rest)."
            )
        if self.proposal not in ("mixture", "legacy"):
            raise ConfigurationError(
                f"proposal must be 'mixture' or 'legacy', got {self.proposal!r}."
            )
        if not 0 < self.couplings[0] <= self.couplings[1]:
            raise ConfigurationError("couplings must be (d_min, d_max) with 0 < d_min <= d_max.")
        if self.decay_lengths_per_decade <= 0:
            raise ConfigurationError("decay_lengths_per_decade must be > 0.")
        decay = np.asarray(self.decay_shares, dtype=float)
        if decay.size and (np.any(decay < 0) or not np.isclose(decay.sum(), 1.0)):
            raise ConfigurationError("decay_shares must be numbers >= 0 summing to 1.")
        joint = np.asarray(self.joint_shares, dtype=float)
        if joint.size not in (0, len(self.joint_angles)) or np.any(joint < 0) or joint.sum() >= 1:
            raise ConfigurationError(
                "joint_shares must be empty or one share >= 0 per joint angle, summing to < 1."
            )
        if (
            self.pilot_events < 0
            or self.pilot_rounds < 0
            or not 0 <= self.pilot_fraction <= 1
            or not 0 <= self.defensive_share < 1
            or not 0 <= self.share_floor < 0.2
        ):
            raise ConfigurationError(
                "pilot_events, pilot_rounds must be >= 0, pilot_fraction in [0, 1], "
                "defensive_share in [0, 1) and share_floor in [0, 0.2)."
            )

    def legacy(self) -> InjectionSettings:
        """These settings with the proposal of versions before the mixture (see ``proposal``)."""
        return InjectionSettings(**{**self.__dict__, **LEGACY})

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly record of every setting (for the sample's metadata)."""
        record: dict[str, object] = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if k != "decay_region"
        }
        record["decay_region"] = {
            "center": list(self.decay_region.center),
            "radius": self.decay_region.radius,
        }
        return record


#: The proposal of versions before the mixture (``InjectionSettings.legacy``).
LEGACY: dict[str, object] = {
    "proposal": "legacy",
    "ray_shares": (0.4, 0.3, 0.0),
    "vertex_shares": (0.2, 0.5, 0.3, 0.0),
    "decay_uniform_share": 0.5,
    "azimuth_uniform_share": 0.3,
    "azimuth_target_share": 0.0,
    "azimuth_grown_share": 0.0,
    "flux_share": 0.1,
    "low_energy_share": 0.0,
    "q2_focus_share": 0.5,
    "q2_region_share": 0.0,
    "decay_shares": (),
    "photon_focus_share": 0.0,
    "pilot_events": 0,
    "pilot_rounds": 0,
    "joint_shares": (),
    "defensive_share": 0.0,
}


def _family_gradient(m: Mixture, shares: FloatArray) -> tuple[FloatArray, FloatArray]:
    """g(a) and (dg/da_i) / g per event for q = sum_avail a_i g_i / sum_avail a_i."""
    norm = m.available @ shares
    g = (m.components * m.available) @ shares / np.where(norm > 0, norm, 1.0)
    safe = np.where(g > 0, g, np.inf)
    relative = m.available * (m.components / safe[:, None] - 1.0)
    return g, relative / np.where(norm > 0, norm, 1.0)[:, None]


def _density(
    recs: dict[str, Mixture],
    shares: dict[str, FloatArray],
    nest: tuple[str, tuple[str, ...]] | None,
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Total proposal density (up to factors without shares) and d ln q / d a_i per family."""
    outer, inner = nest if nest is not None else ("", ())
    q = np.ones(len(next(iter(recs.values())).components))
    grads: dict[str, FloatArray] = {}
    dens: dict[str, FloatArray] = {}
    for k, m in recs.items():
        if k == outer:
            continue
        dens[k], grads[k] = _family_gradient(m, shares[k])
        if k not in inner:
            q = q * dens[k]
    if outer:
        product = np.prod([dens[k] for k in inner], axis=0)
        m = recs[outer]
        nested = Mixture(m.shares, np.column_stack([product, m.components[:, 1:]]), m.available)
        g, grads[outer] = _family_gradient(nested, shares[outer])
        # d ln q / d a_i of an inner family: (a_0 product / norm) / g  times  d ln g_inner / d a_i
        norm = nested.available @ shares[outer]
        part = shares[outer][0] * product / np.where(norm * g > 0, norm * g, np.inf)
        for k in inner:
            grads[k] = grads[k] * part[:, None]
        q = q * g
    return q, grads


def optimise_shares(
    mixtures: dict[str, Mixture],
    second_moment: FloatArray,
    floor: float,
    nest: tuple[str, tuple[str, ...]] | None = None,
    iterations: int = 50,
) -> tuple[dict[str, FloatArray], float]:
    """Kleiss-Pittau shares minimising V(a) = mean(S q^0 / q(a)) (module docstring).

    Args:
        mixtures: per family the pilot record (pilot shares, component densities, availability).
            The proposal is the product of the families' densities, except that with
            ``nest = (outer, inner)`` the first component of family ``outer`` is the product of
            the ``inner`` families (its stored column is ignored).
        second_moment: S per pilot event, sum_c w_c^2 / R_c^2 at the pilot shares.
        floor: every share is at least ``floor`` (then renormalised).
        iterations: at most this many fixed-point steps, fewer once V changes by less than
            1e-4 of itself (the best shares met are returned).

    Returns:
        The optimised shares per family and V(optimised) / V(pilot) (<= 1).
    """
    keep = second_moment > 0
    s = second_moment[keep]
    recs = {
        k: Mixture(m.shares, m.components[keep], m.available[keep]) for k, m in mixtures.items()
    }
    shares = {k: m.shares.astype(float).copy() for k, m in recs.items()}
    if not len(s):
        return shares, 1.0
    q0, _ = _density(recs, shares, nest)
    start = float(np.mean(s))
    best, best_value = {k: v.copy() for k, v in shares.items()}, start
    previous = np.inf
    for _ in range(iterations):
        q, grads = _density(recs, shares, nest)
        r = s * q0 / q
        value = float(np.mean(r))
        if value < best_value:
            best, best_value = {k: v.copy() for k, v in shares.items()}, value
        if abs(previous - value) <= 1e-4 * value:  # converged
            break
        previous = value
        new = {}
        for k, a in shares.items():
            w_i = value + np.mean(r[:, None] * grads[k], axis=0)  # V - dV/da_i
            a = a * np.sqrt(np.maximum(w_i, 0.0))
            a = a / a.sum() if a.sum() > 0 else shares[k]
            a = np.maximum(a, floor)
            new[k] = a / a.sum()
        shares = new
    q, _ = _density(recs, shares, nest)
    value = float(np.mean(s * q0 / q))
    if value < best_value:
        best, best_value = shares, value
    return best, best_value / start


def grid_weights(columns: dict[str, Any], model: DipoleModel, grid: FloatArray) -> FloatArray:
    """Per-event weights (couplings, n) at d_mu = each coupling of ``grid`` (d_e = d_tau = 0)
    (:func:`~neutrissimo.simulation.events.decay_weights`)."""
    ctau = [replace(model, d_e=0.0, d_mu=float(d), d_tau=0.0).ctau for d in grid]
    return decay_weights(columns, model.m_N, np.asarray(grid, dtype=float), np.asarray(ctau))


def coupling_grid(settings: InjectionSettings) -> FloatArray:
    """Couplings of the pilot objective: 4 per decade over ``settings.couplings``."""
    d_min, d_max = settings.couplings
    return np.geomspace(d_min, d_max, max(round(4 * math.log10(d_max / d_min)), 0) + 1)


def optimise_pilot(
    settings: InjectionSettings,
    draw: Callable[[InjectionSettings, int], tuple[dict[str, Any], dict[str, Mixture]]],
    model: DipoleModel,
) -> tuple[InjectionSettings, list[dict[str, Any]]]:
    """``pilot_rounds`` rounds of :func:`optimise_shares`, the last on ``pilot_events`` trials,
    each earlier one on a quarter of the next (at least 1000), drawn by ``draw(settings, n)``
    (kept events' columns, weights per trial, and mixture records).
    The objective sums over the couplings of :func:`coupling_grid` whose pilot rate is >= 1
    event (all with a non-zero rate if none). Returns the optimised settings and a record of
    each round."""
    grid = coupling_grid(settings)
    rounds: list[dict[str, Any]] = []
    for r in range(settings.pilot_rounds):
        # earlier rounds only bring the shares near the optimum: a quarter of the trials each
        trials = max(settings.pilot_events // 4 ** (settings.pilot_rounds - 1 - r), 1000)
        columns, mixtures = draw(settings, trials)
        weights = grid_weights(columns, model, grid) / trials
        rate = weights.sum(axis=1)
        use = rate >= 1.0 if np.any(rate >= 1.0) else rate > 0
        if not np.any(use):
            break
        ess = rate**2 / np.maximum(np.sum(weights**2, axis=1), 1e-300)
        # sum_c e_c w_c^2 / R_c^2, each coupling emphasised by its relative variance e_c ~
        # 1/ESS_c (normalised to mean 1): the gradient of sum_c V_c^2, which weighs the worst
        # served couplings most (the scans need every grid coupling, not their average)
        emphasis = (1.0 / ess[use]) / np.mean(1.0 / ess[use])
        second = np.sum(emphasis[:, None] * weights[use] ** 2 / rate[use, None] ** 2, axis=0)
        shares, gain = optimise_shares(mixtures, second, settings.share_floor, nesting(mixtures))
        update: dict[str, Any] = {
            "flux_share": float(shares["energy"][0]),
            "low_energy_share": float(shares["energy"][2]),
            "q2_focus_share": float(shares["q2"][1]),
            "q2_region_share": float(shares["q2"][2]) if len(shares["q2"]) > 2 else 0.0,
            "ray_shares": tuple(float(a) for a in shares["ray"][:-1]),
            "vertex_shares": tuple(float(a) for a in shares["vertex"]),
            "azimuth_uniform_share": float(shares["azimuth"][0]),
            "azimuth_target_share": float(shares["azimuth"][2]),
            "azimuth_grown_share": float(shares["azimuth"][3]),
        }
        if "decay" in shares:
            update["decay_shares"] = tuple(float(a) for a in shares["decay"])
        if "photon" in shares:
            update["photon_focus_share"] = float(shares["photon"][1])
        if "joint" in shares:
            update["joint_shares"] = tuple(float(a) for a in shares["joint"][1:])
        settings = replace(settings, **update)
        rounds.append(
            {
                "round": r,
                "trials": trials,
                "kept_events": len(weights[0]),
                "couplings_used": grid[use].tolist(),
                "min_ess_per_trial": float(np.min(ess[use]) / trials),
                "predicted_variance_ratio": gain,
                "shares": {k: v.tolist() for k, v in shares.items()},
            }
        )
    return settings, rounds


def run_until_kept(
    draw: Callable[[int], dict[str, Any]],
    n_events: int,
    progress: Callable[[int], None] | None,
) -> tuple[dict[str, Any], int]:
    """Trials until ``n_events`` of them have a non-zero weight, with the exact normalisation
    w_i (n - 1) / (n (N - 1)); returns the columns and N (the loop and its derivation:
    :class:`neutrissimo.simulation.trials.TrialStream`)."""
    return TrialStream(draw, n_events, progress).collect()
