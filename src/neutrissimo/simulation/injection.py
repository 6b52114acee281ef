"""The weighted Monte Carlo (paper Sec. III; DESIGN.md section 2): one sample per HNL mass.

For each event, vectorised over a batch (no Python loop per event):

1. **Neutrino energy** E from a proposal prop. to Phi(E) sigma_ref(E) (sigma_ref: the
   interaction rate per unit length in the detector's main material), mixed with 10 % of the
   plain flux above threshold; drawn in the flux's quantile variable u, E = E(u). Weight
   Phi(E)/q_E(E) = I_th / (f_flux + (1 - f_flux) g(u)/G), I_th the flux above threshold.
2. **Ray**: parallel to the beam (+z) from ``start_z``, transverse point from a mixture of a
   uniform disk covering the detector (``inner_radius``, share ``ray_shares[0]``), a "Cauchy"
   disk with density prop. to 1/(r^2 + r0^2), r0 = ``inner_radius``, up to ``outer_radius``
   (every decade of radius equally: long-lived HNLs made upstream reach the detector from a few
   metres off axis; share ``ray_shares[1]``) and a uniform wide disk (``outer_radius``, the rest).
   Weight 1/q(x, y) (cm^2), never more than pi R_out^2 / (outer share).
3. **Vertex** along the ray: the interaction rate per cm is
   lambda(t) = sum_s n_s sigma_s(E) (species s = coherent nuclei, and bound + free protons where
   the proton-elastic channel is on). The position is drawn from a mixture of
   (a) lambda along the whole ray, (b) lambda restricted to the window ``near_z`` (z_min, z_max)
   around the detector, and (c) log-uniform in
   the distance upstream of ``reference_z`` over [``log_min``, ``log_max``] (ignoring material),
   so that the detector (short-lived HNLs) and every decade of dirt upstream (long-lived HNLs)
   are sampled; weight lambda(t)/q(t).
4. **Target and helicity** with probabilities n_s sigma_{s,h}(E) / lambda, and **Q^2** from the
   tabulated inverse CDF of that (target, helicity), carrying the exact estimator sigma_hat
   (see :mod:`neutrissimo.simulation.cross_section_tables`); weight sigma_hat / sigma_{s,h}^table(E). For
   vertices far upstream (more than two decay-region radii) the Q^2 proposal is half focused
   on Q^2 ~ (E r_perp / L_up)^2, the angles that reach the detector.
5. **HNL** energy and polar angle from two-body kinematics. The azimuth, uniform in nature, is
   drawn from a mixture of the uniform distribution and the arc of azimuths whose straight path
   crosses the central disk of the ``decay_region`` (|r + rho e_phi| <= R at its centre plane,
   rho = (z_c - z) tan theta_N): HNLs made far upstream off the beam axis then point at the
   detector. Weight (1/2 pi)/q(phi).
6. **Decay point** at a distance x along the HNL path from a coupling-independent mixture:
   uniform over the path's crossing of the ``decay_region`` sphere, and log-uniform on
   [``decay_min``, exit of the decay region]. x and q(x) are stored; the decay probability
   density exp(-x/L)/L is applied by :meth:`neutrissimo.simulation.events.Events.weights` for any couplings.
   Decays beyond the exit of the decay region are neglected (their photons would have to travel
   backwards into the fiducial volume); so is a path that misses the region.
7. **Photon** from N -> nu gamma with the asymmetry of the production helicity
   (:mod:`neutrissimo.physics.decay`), boosted to the lab.
8. **Conversion** forced inside the fiducial volume: with tau the optical depth along the photon
   in pair-production lengths (9/7 X0 of each material crossed), P = exp(-tau_in) - exp(-tau_out)
   for the fiducial crossing [s_in, s_out]; the conversion depth is drawn from exp(-tau) on
   [tau_in, tau_out]. Weight P (exactly 0, never NaN, if the photon misses the fiducial volume).

``weight_production`` = POT x (flux, ray, vertex, cross-section and conversion weights) / N,
at d_mu = 1 GeV^-1: expected photons converting in the fiducial volume per generated event,
before the decay-position factor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.beams.flux import Flux
from neutrissimo.detector.geometry import Detector
from neutrissimo.detector.shapes import Sphere
from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.physics.cross_sections import Target, make_target
from neutrissimo.physics.decay import decay_photons, photon_asymmetry
from neutrissimo.physics.kinematics import hnl_energy_and_angle, threshold_energy
from neutrissimo.physics.model import DipoleModel
from neutrissimo.physics.nuclei import nucleus
from neutrissimo.simulation.cross_section_tables import CrossSectionTable, tabulate
from neutrissimo.simulation.events import Events

__all__ = ["BATCH_SIZE", "InjectionSettings", "Setup", "Species", "generate", "species_of"]

FloatArray = NDArray[np.float64]
_CHANNELS = ("flip", "conserve")
#: Events per vectorised batch (fixed, so that a seed defines the sample).
BATCH_SIZE = 50_000


@dataclass(frozen=True)
class InjectionSettings:
    """Proposal distributions of the injection (all lengths in cm, z along the beam).

    Attributes:
        start_z: where the neutrino rays start (upstream end of the geometry).
        inner_radius, outer_radius: transverse disks of the ray proposal (centre on the beam axis).
        ray_shares: probabilities of the inner uniform disk and of the Cauchy disk (the wide
            uniform disk takes the rest).
        near_z: (z_min, z_max) of the vertex component (b), a window around the detector.
        reference_z: the log-uniform vertex component (c) is in the distance upstream of it.
        log_min, log_max: range of that distance.
        vertex_shares: shares of the vertex components (a), (b), (c).
        decay_region: sphere outside which decays are neglected.
        decay_min: lower end of the log-uniform decay-distance component.
        decay_uniform_share: share of the uniform component of the decay distance.
        flux_share: share of the plain flux in the energy proposal.
        azimuth_uniform_share: share of the uniform azimuth where an arc towards the decay
            region exists.
    """

    start_z: float
    inner_radius: float
    outer_radius: float
    near_z: tuple[float, float]
    reference_z: float
    log_min: float
    log_max: float
    decay_region: Sphere
    ray_shares: tuple[float, float] = (0.4, 0.3)
    vertex_shares: tuple[float, float, float] = (0.2, 0.5, 0.3)
    decay_min: float = 1e-8
    decay_uniform_share: float = 0.5
    flux_share: float = 0.1
    azimuth_uniform_share: float = 0.3

    def __post_init__(self) -> None:
        if not 0 < self.inner_radius <= self.outer_radius:
            raise ConfigurationError("Injection needs 0 < inner_radius <= outer_radius (cm).")
        if not self.near_z[0] < self.near_z[1]:
            raise ConfigurationError("Injection needs near_z = (z_min, z_max) with z_min < z_max.")
        if not 0 < self.log_min < self.log_max:
            raise ConfigurationError("Injection needs 0 < log_min < log_max (cm).")
        shares = np.asarray(self.vertex_shares)
        if shares.shape != (3,) or np.any(shares < 0) or not np.isclose(shares.sum(), 1.0):
            raise ConfigurationError("vertex_shares must be three numbers >= 0 summing to 1.")
        rays = np.asarray(self.ray_shares)
        if rays.shape != (2,) or np.any(rays < 0) or rays.sum() > 1:
            raise ConfigurationError("ray_shares must be two numbers >= 0 with sum <= 1.")
        for name in ("decay_uniform_share", "flux_share", "azimuth_uniform_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigurationError(f"{name} must lie in [0, 1].")


@dataclass(frozen=True)
class Setup:
    """Everything the simulation of one experiment needs.

    Attributes:
        name: e.g. ``"miniboone"``.
        detector: the geometry.
        flux: the neutrino flux (nu / cm^2 / POT / GeV) upscattering through d_mu.
        pot: exposure (protons on target).
        channels: ``("coherent",)`` or ``("coherent", "proton")`` (proton-elastic on free and
            bound protons, as DarkNews counts them: Z per nucleus, no Pauli blocking).
        injection: the proposal settings.
        form_factor: nuclear form factor of the coherent channel.
    """

    name: str
    detector: Detector
    flux: Flux
    pot: float
    channels: tuple[str, ...]
    injection: InjectionSettings
    form_factor: str = "fourier-bessel"


@dataclass(frozen=True)
class Species:
    """A scattering species: a target and how many of it each nucleus of ``nucleus`` carries."""

    target: Target
    nucleus: str
    multiplicity: float


def species_of(setup: Setup) -> list[Species]:
    """The scattering species of the setup's materials: coherent scattering on each nucleus
    (except hydrogen), and, if the proton channel is on, elastic scattering on its Z protons."""
    species = []
    for name in setup.detector.nuclei:
        nuc = nucleus(name)
        if "coherent" in setup.channels and nuc.A > 1:
            species.append(Species(make_target(name, setup.form_factor), name, 1.0))  # type: ignore[arg-type]
        if "proton" in setup.channels:
            species.append(Species(make_target("proton"), name, float(nuc.Z)))
    unknown = set(setup.channels) - {"coherent", "proton"}
    if unknown:
        raise ConfigurationError(
            f"Unknown upscattering channels {sorted(unknown)}; use 'coherent', 'proton'."
        )
    return species


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Per-mass precomputation: species, tables, densities and the energy proposal."""

    setup: Setup
    m_N: float
    species: list[Species]
    tables: list[CrossSectionTable]  # parallel to species
    densities: FloatArray  # (V, S): species per cm^3 in each volume
    threshold: float  # lowest production threshold over the species, GeV
    flux_above: float  # I_th: nu / cm^2 / POT above threshold
    u_edges: FloatArray  # energy proposal: bins in the flux quantile u
    u_density: FloatArray  # piecewise-constant proposal density in u (mixture), per bin


def _prepare(setup: Setup, m_N: float) -> _Prepared:
    species = species_of(setup)
    if not species:
        raise ConfigurationError(f"Setup '{setup.name}' has no scattering species.")
    detector = setup.detector
    densities = np.zeros((detector.n_volumes, len(species)))
    for s, sp in enumerate(species):
        column = detector.nuclei.index(sp.nucleus)
        densities[:, s] = detector.number_density[:, column] * sp.multiplicity
    threshold = min(float(threshold_energy(m_N, sp.target.mass)) for sp in species)
    e_max = float(setup.flux.e_max)
    if e_max <= threshold * (1 + 1e-6):
        raise PhysicsDomainError(
            f"m_N = {m_N} GeV is above the kinematic reach of '{setup.name}': it needs "
            f"E_nu > {threshold:.4g} GeV and the flux ends at {e_max:.4g} GeV."
        )
    cache: dict[str, CrossSectionTable] = {}
    for sp in species:
        if sp.target.name not in cache:
            cache[sp.target.name] = tabulate(sp.target, m_N, e_max=e_max)
    tables = [cache[sp.target.name] for sp in species]
    # Energy proposal: sigma_ref = interaction rate per cm in the volume holding the fiducial
    # centre, on 512 bins uniform in the flux quantile u above threshold.
    low, high = detector.fiducial.bounding_box()
    reference = detector.locate(0.5 * (low + high)[None, :])[0]
    ref_densities = densities[max(int(reference), 0)]
    u_edges = np.linspace(0.0, 1.0, 513)
    u_mid = 0.5 * (u_edges[1:] + u_edges[:-1])
    energy = np.asarray(setup.flux.quantile(u_mid, e_min=threshold), dtype=float)
    g = sum(d * t.cross_section(energy) for d, t in zip(ref_densities, tables, strict=True))
    g = np.asarray(g, dtype=float)
    share = setup.injection.flux_share
    g_norm = g / np.sum(g * np.diff(u_edges)) if np.any(g > 0) else np.ones_like(g)
    u_density = share + (1.0 - share) * g_norm
    flux_above = float(setup.flux.integral(e_min=threshold))
    return _Prepared(
        setup, m_N, species, tables, densities, threshold, flux_above, u_edges, u_density
    )


def _sample_energy(
    prep: _Prepared, rng: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray]:
    """Energies (GeV) and their weights Phi(E)/q_E(E) (nu / cm^2 / POT)."""
    widths = np.diff(prep.u_edges)
    cdf = np.concatenate([[0.0], np.cumsum(prep.u_density * widths)])
    norm = cdf[-1]
    cdf /= norm
    level = rng.random(n)
    k = np.clip(np.searchsorted(cdf, level, side="right") - 1, 0, len(widths) - 1)
    frac = (level - cdf[k]) / np.maximum(cdf[k + 1] - cdf[k], 1e-300)
    u = prep.u_edges[k] + np.clip(frac, 0.0, 1.0) * widths[k]
    u = np.clip(u, 1e-12, 1.0 - 1e-12)
    energy = np.asarray(prep.setup.flux.quantile(u, e_min=prep.threshold), dtype=float)
    return energy, prep.flux_above * norm / prep.u_density[k]


def _sample_rays(
    settings: InjectionSettings, rng: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray]:
    """Ray origins (n, 3) at z = start_z and their transverse weights 1/q(x, y) (cm^2)."""
    r_in, r_out = settings.inner_radius, settings.outer_radius
    share_in, share_log = settings.ray_shares
    share_out = 1.0 - share_in - share_log
    log_span = np.log1p((r_out / r_in) ** 2)
    component = rng.random(n)
    level = rng.random(n)
    radius = np.where(
        component < share_in,
        r_in * np.sqrt(level),
        np.where(
            component < share_in + share_log,
            r_in * np.sqrt(np.expm1(level * log_span)),  # inverse of ln(1 + r^2/r0^2)
            r_out * np.sqrt(level),
        ),
    )
    phi = 2.0 * np.pi * rng.random(n)
    z = np.full(n, settings.start_z)
    origins = np.column_stack([radius * np.cos(phi), radius * np.sin(phi), z])
    q = (
        share_in * (radius < r_in) / (np.pi * r_in**2)
        + share_log / (np.pi * log_span * (radius**2 + r_in**2))
        + share_out / (np.pi * r_out**2)
    )
    return origins, 1.0 / q


def _sample_vertices(
    prep: _Prepared, rng: np.random.Generator, origins: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, NDArray[np.intp], FloatArray]:
    """Distance t (cm) of the vertex along each ray, its volume, and the weight lambda(t)/q(t).

    ``sigma`` is (n, S): the total cross section of each species at each ray's energy.
    """
    settings = prep.setup.injection
    detector = prep.setup.detector
    n = len(origins)
    directions = np.tile([0.0, 0.0, 1.0], (n, 1))
    segments = detector.segments(origins, directions)
    per_volume = sigma @ prep.densities.T  # (n, V): lambda in each volume, cm^-1
    rate = segments.per_volume(per_volume)
    t_near = np.full(n, settings.near_z[0] - settings.start_z)
    t_far = np.full(n, settings.near_z[1] - settings.start_z)
    total = segments.integral(rate)
    before_near = segments.integral(rate, t_max=t_near)
    near = segments.integral(rate, t_min=t_near, t_max=t_far)
    log_span = np.log(settings.log_max / settings.log_min)
    shares = np.column_stack(
        [
            settings.vertex_shares[0] * (total > 0),
            settings.vertex_shares[1] * (near > 0),
            np.full(n, settings.vertex_shares[2]),
        ]
    )
    shares /= shares.sum(axis=1, keepdims=True)
    component = (rng.random(n)[:, None] > np.cumsum(shares, axis=1)).sum(axis=1)
    level = rng.random(n)
    depth = np.where(component == 0, level * total, before_near + level * near)
    t_matter, _ = segments.invert(rate, depth)
    distance = settings.log_min * np.exp(level * log_span)  # upstream of reference_z
    t_log = settings.reference_z - distance - settings.start_z
    t = np.where(component == 2, t_log, t_matter)
    volume = segments.volume_at(t)
    lam = np.where(
        volume >= 0, np.take_along_axis(per_volume, np.maximum(volume, 0)[:, None], 1)[:, 0], 0.0
    )
    upstream = settings.reference_z - (settings.start_z + t)
    q_log = np.where(
        (upstream >= settings.log_min) & (upstream <= settings.log_max),
        1.0 / (np.maximum(upstream, settings.log_min) * log_span),
        0.0,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (
            shares[:, 0] * lam / np.where(total > 0, total, 1.0)
            + shares[:, 1] * lam * ((t >= t_near) & (t <= t_far)) / np.where(near > 0, near, 1.0)
            + shares[:, 2] * q_log
        )
        weight = np.where((lam > 0) & (q > 0), lam / q, 0.0)
    return t, volume, weight


def _choose_species(
    prep: _Prepared, rng: np.random.Generator, volume: NDArray[np.intp], sigma_h: FloatArray
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
    """Species s and helicity h (0 flip, 1 conserve) with probability n_s sigma_{s,h} / lambda;
    returns them and the chosen sigma_{s,h} (table value, cm^2 at d = 1)."""
    n, n_species, _ = sigma_h.shape
    dens = prep.densities[np.maximum(volume, 0)]  # (n, S)
    rates = (dens[:, :, None] * sigma_h).reshape(n, 2 * n_species)
    cumulative = np.cumsum(rates, axis=1)
    level = rng.random(n) * cumulative[:, -1]
    pick = np.minimum((cumulative <= level[:, None]).sum(axis=1), 2 * n_species - 1)
    species, helicity = np.divmod(pick, 2)
    chosen = sigma_h.reshape(n, 2 * n_species)[np.arange(n), pick]
    return species, helicity, chosen


def _q2_focus(settings: InjectionSettings, vertex: FloatArray, energy: FloatArray) -> FloatArray:
    """Preferred Q^2 (GeV^2) of vertices far upstream of the decay region (NaN elsewhere): the
    HNL must fly at theta* ~ max(r_perp, R/2) / L_up to reach it, and Q^2 ~ (E theta*)^2."""
    centre = np.asarray(settings.decay_region.center, dtype=float)
    radius = settings.decay_region.radius
    upstream = centre[2] - vertex[:, 2]
    r_perp = np.hypot(vertex[:, 0] - centre[0], vertex[:, 1] - centre[1])
    far = upstream > 2.0 * radius
    theta = np.maximum(r_perp, 0.5 * radius) / np.where(far, upstream, 1.0)
    return np.where(far, (energy * theta) ** 2, np.nan)


def _sample_azimuth(
    settings: InjectionSettings, rng: np.random.Generator, vertex: FloatArray, cos_n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """HNL azimuth about the beam (from +x towards +y) and its weight (1/2 pi)/q(phi)."""
    n = len(vertex)
    centre = np.asarray(settings.decay_region.center, dtype=float)
    radius = settings.decay_region.radius
    rel = vertex[:, :2] - centre[:2]
    r = np.hypot(rel[:, 0], rel[:, 1])
    upstream = centre[2] - vertex[:, 2]
    tan = np.sqrt(np.clip(1.0 - cos_n**2, 0.0, 1.0)) / np.maximum(cos_n, 1e-12)
    rho = np.where((upstream > 0) & (cos_n > 0), upstream * tan, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c0 = (radius**2 - r**2 - rho**2) / (2.0 * r * rho)
    # half-width of the arc centred on the direction back to the axis (phi_r + pi)
    half = np.where(np.isfinite(c0), np.pi - np.arccos(np.clip(c0, -1.0, 1.0)), 0.0)
    biased = (half > 0) & (half < np.pi)  # a proper arc: neither empty nor the full circle
    share = np.where(biased, 1.0 - settings.azimuth_uniform_share, 0.0)
    on_arc = rng.random(n) < share
    level = rng.random(n)
    back = np.arctan2(-rel[:, 1], -rel[:, 0])
    phi = np.where(on_arc, back + (2.0 * level - 1.0) * half, 2.0 * np.pi * level)
    offset = np.angle(np.exp(1j * (phi - back)))  # in (-pi, pi]
    inside = np.abs(offset) <= half
    q = (1.0 - share) / (2.0 * np.pi) + share * inside / np.where(half > 0, 2.0 * half, 1.0)
    return phi, 1.0 / (2.0 * np.pi * q)


def _sample_decays(
    settings: InjectionSettings, rng: np.random.Generator, vertex: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Decay distance x (cm), its proposal density q(x) (1/cm) and whether the HNL path can
    reach the decay region at all."""
    n = len(vertex)
    t_in, t_out = settings.decay_region.intersect(vertex, direction)
    x_in = np.maximum(t_in, 0.0)
    x_lo = settings.decay_min
    valid = (t_out > x_in) & (t_out > x_lo)
    x_out = np.where(valid, t_out, 2.0 * x_lo)
    x_in = np.where(valid, x_in, x_lo)
    share = settings.decay_uniform_share
    uniform = rng.random(n) < share
    level = rng.random(n)
    log_span = np.log(x_out / x_lo)
    x = np.where(uniform, x_in + level * (x_out - x_in), x_lo * np.exp(level * log_span))
    q = share * ((x >= x_in) & (x <= x_out)) / np.maximum(x_out - x_in, 1e-300) + (1.0 - share) / (
        x * log_span
    )
    return x, q, valid


def _convert_photons(
    detector: Detector, rng: np.random.Generator, start: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Conversion points forced inside the fiducial volume and their probability."""
    n = len(start)
    segments = detector.segments(start, direction)
    mu = segments.per_volume(detector.inverse_pair_length)
    s_a, s_b = detector.fiducial.intersect(start, direction)
    s_in = np.maximum(s_a, 0.0)
    hits = s_b > s_in
    s_in = np.where(hits, s_in, 0.0)
    s_out = np.where(hits, s_b, 0.0)
    tau_in = segments.integral(mu, t_max=s_in)
    tau_out = segments.integral(mu, t_max=s_out)
    inside = -np.expm1(-(tau_out - tau_in))  # P(convert within the fiducial crossing | reach it)
    probability = np.where(hits, np.exp(-tau_in) * inside, 0.0)
    tau = tau_in - np.log1p(-rng.random(n) * inside)
    s, _ = segments.invert(mu, np.where(hits, tau, 0.0))
    s = np.clip(s, s_in, np.maximum(s_out, s_in))
    return start + s[:, None] * direction, probability


def _label(species: Species) -> str:
    """``"C12"`` for coherent scattering, ``"proton@C12"`` for its bound protons."""
    if species.target.channel == "coherent":
        return species.target.name
    return f"{species.target.name}@{species.nucleus}"


def _generate_batch(
    prep: _Prepared, model: DipoleModel, rng: np.random.Generator, n: int
) -> dict[str, Any]:
    setup = prep.setup
    settings = setup.injection
    detector = setup.detector
    energy, w_energy = _sample_energy(prep, rng, n)
    origins, w_ray = _sample_rays(settings, rng, n)
    sigma_h = np.stack(
        [np.column_stack([t.cross_section(energy, h) for h in _CHANNELS]) for t in prep.tables],
        axis=1,
    )  # (n, S, 2), cm^2 at d = 1
    t, volume, w_vertex = _sample_vertices(prep, rng, origins, sigma_h.sum(axis=2))
    interacts = w_vertex > 0
    species, helicity, sigma_chosen = _choose_species(prep, rng, volume, sigma_h)
    vertex = origins + t[:, None] * np.array([0.0, 0.0, 1.0])
    focus = _q2_focus(settings, vertex, energy)
    q2 = np.zeros(n)
    sigma_hat = np.zeros(n)
    target_mass = np.array([sp.target.mass for sp in prep.species])[species]
    for s, table in enumerate(prep.tables):
        for h, channel in enumerate(_CHANNELS):
            idx = np.flatnonzero(
                interacts & (species == s) & (helicity == h) & (energy > table.threshold)
            )
            if idx.size:
                q2[idx], sigma_hat[idx] = table.sample_q2(
                    rng, energy[idx], channel, focus_q2=focus[idx]
                )
    w_xs = np.where(
        sigma_chosen > 0, sigma_hat / np.where(sigma_chosen > 0, sigma_chosen, 1.0), 0.0
    )
    e_n, cos_n = hnl_energy_and_angle(energy, q2, model.m_N, target_mass)
    p_n = np.sqrt(np.maximum(e_n**2 - model.m_N**2, 0.0))
    phi, w_phi = _sample_azimuth(settings, rng, vertex, cos_n)
    sin_n = np.sqrt(np.clip(1.0 - cos_n**2, 0.0, 1.0))
    direction = np.column_stack([sin_n * np.cos(phi), sin_n * np.sin(phi), cos_n])  # beam = +z
    x, q_x, reaches = _sample_decays(settings, rng, vertex, direction)
    decay_point = vertex + x[:, None] * direction
    alpha = np.array([photon_asymmetry(c, model.nature) for c in _CHANNELS])[helicity]
    photon, cos_star = decay_photons(rng, p_n[:, None] * direction, model.m_N, alpha)
    photon_direction = photon[:, 1:] / photon[:, :1]
    conversion, p_convert = _convert_photons(detector, rng, decay_point, photon_direction)
    weight = setup.pot * w_energy * w_ray * w_vertex * w_xs * w_phi * p_convert * reaches
    names = np.array([*detector.volume_names, "outside"])
    return {
        "energy_nu": energy,
        "vertex": vertex,
        "region": names[volume],
        "target": np.array([_label(sp) for sp in prep.species])[species],
        "helicity": np.array(_CHANNELS)[helicity],
        "q2": q2,
        "hnl_energy": e_n,
        "hnl_momentum": p_n,
        "hnl_direction": direction,
        "decay_distance": x,
        "decay_proposal": q_x,
        "decay_point": decay_point,
        "photon_energy": photon[:, 0],
        "photon_direction": photon_direction,
        "cos_theta_star": cos_star,
        "conversion_point": conversion,
        "weight_production": np.where(np.isfinite(weight), weight, 0.0),
    }


def generate(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
) -> Events:
    """Simulate ``n_events`` weighted events of ``setup`` for the HNL mass of ``model``.

    Args:
        setup: experiment (detector, flux, POT, channels, injection settings).
        model: the HNL; its mass and nature are fixed for the sample, its couplings are the
            default for the event weights (any others by exact reweighting).
        n_events: events to generate (all of them are kept; some may have weight 0).
        rng: random generator, the only source of randomness: the same generator state gives
            the same events (batches of :data:`BATCH_SIZE` events are drawn in sequence).
        progress: called with the number of events done after each batch.
        seed: recorded in the metadata if given.

    Raises:
        PhysicsDomainError: m_N above the kinematic reach of the flux.
        ConfigurationError: n_events < 1 or an invalid setup.
    """
    if n_events < 1:
        raise ConfigurationError(f"n_events must be >= 1, got {n_events}.")
    start = time.perf_counter()
    prep = _prepare(setup, model.m_N)
    batches = []
    done = 0
    while done < n_events:
        size = min(BATCH_SIZE, n_events - done)
        batches.append(_generate_batch(prep, model, rng, size))
        done += size
        if progress is not None:
            progress(done)
    columns = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    columns["weight_production"] = columns["weight_production"] / n_events
    metadata = {
        "experiment": setup.name,
        "pot": setup.pot,
        "n_generated": n_events,
        "seed": seed,
        "neutrissimo_version": version("neutrissimo"),
        "flux": setup.flux.name,
        "channels": list(setup.channels),
        "form_factor": setup.form_factor,
        "detector": setup.detector.name,
        "wall_time_s": time.perf_counter() - start,
    }
    return Events(model, columns, metadata)
