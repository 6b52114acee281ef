"""The weighted Monte Carlo (paper Sec. III; DESIGN.md section 2): one sample per HNL mass.

For each event, vectorised over a batch (no Python loop per event):

1. **Neutrino energy** E from a mixture of the plain flux above threshold (``flux_share``), the
   flux times sigma_ref(E) (sigma_ref: the interaction rate per unit length in the volume
   holding the fiducial centre) and Phi sigma_ref / E (``low_energy_share``: long-lived HNLs
   from low-energy neutrinos decay in the detector more often and reach it from wider angles),
   drawn in the flux's quantile variable u, E = E(u)
   (:func:`~neutrissimo.simulation.production_proposals.energy_components`). Weight
   Phi(E)/q_E(E) = I_th / q(u), I_th the flux above threshold.
2. **Production point** (:mod:`neutrissimo.simulation.production_proposals`): a ray along the
   beam (+z) from ``start_z``, its transverse point from uniform disks (one of them the
   fiducial volume's footprint, ``core_radius``) and a "Cauchy" disk, then the vertex along it
   from a mixture of the interaction rate lambda(t) = sum_s n_s sigma_s(E) on (a) the whole
   ray, (b) the window ``near_z``, (d) the decay region, (e) the reach sphere around the
   fiducial volume (``reach_decay_lengths``), (f) the fiducial volume, and (c) log-uniform
   upstream of ``reference_z`` (ignoring material); or (``mixture``) jointly, far upstream and
   off axis (``joint_angles``). Weight lambda / q, q the density of the whole mixture.
3. **Target and helicity** with probabilities n_s sigma_{s,h}(E) / lambda, and **Q^2** from the
   tabulated inverse CDF of that (target, helicity), carrying the exact estimator sigma_hat
   (see :mod:`neutrissimo.simulation.cross_section_tables`); weight sigma_hat /
   sigma_{s,h}^table(E). For vertices more than two radii from a sphere (upstream, beside
   or downstream of it) the Q^2 proposal has a focus on it
   (:func:`~neutrissimo.simulation.production_proposals.q2_cone`): the table's own
   distribution truncated to the Q^2 of the polar angles whose paths cross the photon target
   sphere (step 6), grown by R_region m_N / E for vertices upstream of the decay region (the
   photons' spread over it; share ``q2_focus_share``), and of those whose paths cross the
   decay region from upstream of it, which holds every decay that counts
   (``q2_region_share``); ``legacy``: a normal in ln Q^2 around (E r_perp / L_up)^2 from the
   decay region.
4. **HNL** energy and polar angle from two-body kinematics. The azimuth, uniform in nature, is
   drawn from a mixture of the uniform distribution and the arcs of azimuths whose straight path
   crosses the ``decay_region``, the photon target sphere (step 6) or that sphere grown by the
   photons' spread (the sphere of the Q^2 focus), from vertices anywhere outside them and for
   forward or backward HNLs; weight (1/2 pi)/q(phi).
5. **Decay point** at a distance x along the HNL path, from a coupling-independent proposal
   (:mod:`neutrissimo.simulation.decay_proposals`). ``mixture``: on the path's crossing [a, b] of
   the ``decay_region`` sphere, a mixture of the uniform density and of exponentials truncated to
   [a, b] whose lab decay lengths beta gamma c tau_k span what the sample's coupling range
   ``couplings = (d_min, d_max)`` gives at this mass (``decay_lengths_per_decade`` per decade).
   ``legacy``: uniform over [a, b] mixed with log-uniform on [``decay_min``, b]. x and q(x) are
   stored; the decay probability density exp(-x/L)/L is applied by
   :meth:`neutrissimo.simulation.events.Events.weights` for any couplings. Decays outside the decay
   region are neglected (measured: < 2e-4 of the rate at the paper's benchmark points).
6. **Photon** from N -> nu gamma with the asymmetry of the production helicity
   (:mod:`neutrissimo.physics.decay`). ``mixture``: the rest-frame direction is drawn with share
   ``photon_focus_share`` uniformly in the cap whose lab image is the cone towards a sphere
   around the fiducial volume, with the exact weight p/q (coupling-independent).
7. **Conversion** forced inside the fiducial volume: with tau the optical depth along the photon
   in pair-production lengths (9/7 X0 of each material crossed), P = exp(-tau_in) - exp(-tau_out)
   for the fiducial crossing [s_in, s_out]; the conversion depth is drawn from exp(-tau) on
   [tau_in, tau_out]. Weight P (exactly 0, never NaN, if the photon misses the fiducial volume).

``mixture`` proposal: the mixture shares (energy, rays, vertices, joint points, azimuth, decay
lengths, photon bias) are chosen per mass by
:func:`neutrissimo.simulation.proposals.optimise_pilot` on pilot trials (Kleiss-Pittau, summed
relative variance over the coupling range; its last round has at least ``pilot_fraction`` of
the sample's events as trials); a share ``defensive_share`` of the trials is drawn with the
shares as given instead, and every trial is weighted by the mixture of both proposals
(``_main_batch``). Trials whose weight is zero for every coupling (no interaction, path
missing the decay region, photon missing the fiducial volume) are dropped as soon as that is
known, with the exact normalisation of :class:`neutrissimo.simulation.trials.TrialStream`.
Everything used is recorded in the metadata.

``weight_production`` = POT x (flux, position, cross-section, azimuth, photon and conversion
weights) / N, at d_mu = 1 GeV^-1: expected photons converting in the fiducial volume per event,
before the decay-position factor.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib.metadata import version
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.decay import decay_photons, photon_asymmetry
from neutrissimo.physics.kinematics import hnl_energy_and_angle
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.decay_proposals import (
    convert_photons,
    decay_lengths,
    photon_target,
    sample_decays_legacy,
    sample_decays_mixture,
    sample_photons,
)
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.mixtures import Mixture, proposal_density
from neutrissimo.simulation.preparation import Prepared, choose_species, prepare
from neutrissimo.simulation.production_proposals import (
    grown_target,
    joint_components,
    q2_foci,
    ray_components,
    reach_sphere,
    sample_azimuth,
    sample_energy,
    sample_joint,
    sample_rays,
    sample_vertices,
)
from neutrissimo.simulation.proposals import (
    BATCH_SIZE,
    InjectionSettings,
    optimise_pilot,
)
from neutrissimo.simulation.setup import Setup, Species
from neutrissimo.simulation.trials import TrialStream

__all__ = [
    "BATCH_SIZE",
    "InjectionSettings",
    "generate",
    "generate_samples",
    "stream_sample",
    "stream_samples",
]

FloatArray = NDArray[np.float64]
_CHANNELS: tuple[Literal["flip", "conserve"], ...] = ("flip", "conserve")


def _label(species: Species) -> str:
    """``"C12"`` for coherent scattering, ``"proton@C12"`` for its bound protons."""
    if species.target.channel == "coherent":
        return species.target.name
    return f"{species.target.name}@{species.nucleus}"


def _generate_batch(
    prep: Prepared,
    model: DipoleModel,
    settings: InjectionSettings,
    rng: np.random.Generator,
    n: int,
) -> tuple[dict[str, Any], dict[str, Mixture]]:
    """One batch of ``n`` events drawn with ``settings``; returns the columns (weights per
    event, not yet divided by the number of events) and the mixture records of the proposal."""
    setup = prep.setup
    detector, fiducial = setup.detector, setup.detector.fiducial
    legacy = settings.proposal == "legacy"
    u, energy_mix = sample_energy(settings, rng, prep.u_edges, prep.u_components, n)
    energy = np.asarray(setup.flux.quantile(u, e_min=prep.threshold), dtype=float)
    w_energy = prep.flux_above / energy_mix.density()  # Phi(E)/q_E(E), nu / cm^2 / POT
    ctau = None if legacy else decay_lengths(settings, model.m_N, model.nature)  # cm
    origins, w_ray, ray_mix = sample_rays(settings, rng, n)
    fixed = None
    if not legacy and settings.joint_shares:
        joint_pick, joint_points = sample_joint(settings, rng, n)
        is_joint = joint_pick > 0
        origins[is_joint, :2] = joint_points[is_joint, :2]
        ray_mix = ray_components(settings, np.hypot(origins[:, 0], origins[:, 1]))
        fixed = np.where(is_joint, joint_points[:, 2] - settings.start_z, np.nan)
    # sigma_h: (n, S, 2), channels (flip, conserve), cm^2 at d = 1
    sigma_h = prep.sigma_u.at(u)
    segments = detector.segments(origins, np.tile([0.0, 0.0, 1.0], (n, 1)))
    per_volume = sigma_h.sum(axis=2) @ prep.densities.T  # (n, V): lambda in each volume, cm^-1
    reach = None if ctau is None else reach_sphere(settings, fiducial, ctau[-1], model.m_N, energy)
    t, volume, w_vertex, vertex_mix, lam = sample_vertices(
        settings, origins, segments, per_volume, rng, fixed, reach, fiducial
    )
    vertex = origins + t[:, None] * np.array([0.0, 0.0, 1.0])
    mixtures = {"energy": energy_mix, "ray": ray_mix, "vertex": vertex_mix}
    if fixed is None:
        w_position = w_ray * w_vertex
    else:  # q = s_0 q_ray q_vertex + sum_k s_k q_joint,k; weight lambda / q
        joint = joint_components(settings, vertex)
        shares = np.array([1.0 - sum(settings.joint_shares), *settings.joint_shares])
        q = shares[0] * ray_mix.density() * vertex_mix.density() + joint @ shares[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            w_position = np.where((lam > 0) & (q > 0), lam / q, 0.0)
        placeholder = np.column_stack([np.ones(n), joint])  # column 0: the product (nested)
        mixtures["joint"] = Mixture(shares, placeholder, np.ones(placeholder.shape, dtype=bool))
    interacts = w_position > 0
    species, helicity, sigma_chosen = choose_species(prep, rng, volume, sigma_h)
    target = photon_target(settings, fiducial)
    target_mass = np.array([sp.target.mass for sp in prep.species])[species]
    grown = grown_target(settings, target, model.m_N, energy, vertex)
    focus, cones, q2_shares = q2_foci(settings, vertex, energy, model.m_N, target_mass, grown)
    q2, sigma_hat = np.zeros(n), np.zeros(n)
    q2_parts = np.zeros((n, 1 + len(q2_shares)))  # (tabulated, foci) densities
    q2_parts[:, 0] = 1.0
    focused = np.zeros((n, len(q2_shares)), dtype=bool)
    for s, table in enumerate(prep.tables):
        for h, channel in enumerate(_CHANNELS):
            idx = np.flatnonzero(
                interacts & (species == s) & (helicity == h) & (energy > table.threshold)
            )
            if idx.size:
                q2[idx], sigma_hat[idx], q2_parts[idx], focused[idx] = table.sample_q2_mixture(
                    rng,
                    energy[idx],
                    channel,
                    None if focus is None else focus[idx],
                    q2_shares,
                    None if cones is None else cones[idx],
                )
    mixtures["q2"] = Mixture(
        np.array([1.0 - sum(q2_shares), *q2_shares]),
        q2_parts,
        np.column_stack([np.ones(n, dtype=bool), focused]),
    )
    w_xs = np.where(
        sigma_chosen > 0, sigma_hat / np.where(sigma_chosen > 0, sigma_chosen, 1.0), 0.0
    )
    e_n, cos_n = hnl_energy_and_angle(energy, q2, model.m_N, target_mass)
    p_n = np.sqrt(np.maximum(e_n**2 - model.m_N**2, 0.0))
    phi, w_phi, mixtures["azimuth"] = sample_azimuth(settings, rng, vertex, cos_n, target, grown)
    sin_n = np.sqrt(np.clip(1.0 - cos_n**2, 0.0, 1.0))
    direction = np.column_stack([sin_n * np.cos(phi), sin_n * np.sin(phi), cos_n])  # beam = +z
    alpha = np.array([photon_asymmetry(c, model.nature) for c in _CHANNELS])[helicity]
    partial = setup.pot * w_energy * w_position * w_xs * w_phi
    if ctau is None:  # legacy
        x, q_x, reaches = sample_decays_legacy(settings, rng, vertex, direction)
        decay_point = vertex + x[:, None] * direction
        photon, cos_star = decay_photons(rng, p_n[:, None] * direction, model.m_N, alpha)
        photon_direction = photon[:, 1:] / photon[:, :1]
        conversion, p_convert = convert_photons(detector, rng, decay_point, photon_direction)
        weight = partial * p_convert * reaches
        kept = np.arange(n)
    else:
        x, q_x, reaches, mixtures["decay"] = sample_decays_mixture(
            settings, rng, vertex, direction, p_n / model.m_N, ctau, fiducial
        )
        # Only events that can still carry weight get a photon (the others are dropped).
        live = np.flatnonzero(reaches & (partial > 0) & np.isfinite(partial))
        decay_point = vertex[live] + x[live, None] * direction[live]
        photon, cos_star, w_photon, mixtures["photon"] = sample_photons(
            rng,
            p_n[live, None] * direction[live],
            model.m_N,
            alpha[live],
            decay_point,
            target,
            settings.photon_focus_share,
        )
        photon_direction = photon[:, 1:] / photon[:, :1]
        conversion, p_convert = convert_photons(detector, rng, decay_point, photon_direction)
        weight = partial[live] * w_photon * p_convert
        keep = (weight > 0) & np.isfinite(weight)
        kept = live[keep]
        photon_mix = mixtures.pop("photon")
        mixtures = {
            k: Mixture(m.shares, m.components[kept], m.available[kept]) for k, m in mixtures.items()
        }
        mixtures["photon"] = Mixture(
            photon_mix.shares, photon_mix.components[keep], photon_mix.available[keep]
        )
        decay_point, photon, cos_star = decay_point[keep], photon[keep], cos_star[keep]
        photon_direction, conversion = photon_direction[keep], conversion[keep]
        weight = weight[keep]
    names = np.array([*detector.volume_names, "outside"])
    columns = {
        "energy_nu": energy[kept],
        "vertex": vertex[kept],
        "region": names[volume[kept]],
        "target": np.array([_label(sp) for sp in prep.species])[species[kept]],
        "helicity": np.array(_CHANNELS)[helicity[kept]],
        "q2": q2[kept],
        "hnl_energy": e_n[kept],
        "hnl_momentum": p_n[kept],
        "hnl_direction": direction[kept],
        "decay_distance": x[kept],
        "decay_proposal": q_x[kept],
        "decay_point": decay_point,
        "photon_energy": photon[:, 0],
        "photon_direction": photon_direction,
        "cos_theta_star": cos_star,
        "conversion_point": conversion,
        "weight_production": np.where(np.isfinite(weight), weight, 0.0),
        "trial": kept,
    }
    return columns, mixtures


def generate(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
    couplings: tuple[float, float] | None = None,
    settings: InjectionSettings | None = None,
) -> Events:
    """Simulate ``n_events`` weighted events of ``setup`` for the HNL mass of ``model`` in memory
    (:func:`neutrissimo.simulation.streaming.simulate_to_file`: to a file, bounded memory).

    Args:
        setup: experiment (detector, flux, POT, channels, injection settings).
        model: the HNL; its mass and nature are fixed for the sample, its couplings are the
            default for the event weights (any others by exact reweighting).
        n_events: events in the sample. The ``legacy`` proposal keeps every trial (some have
            weight 0); the ``mixture`` proposal the first ``n_events`` trials whose weight is not
            zero for every coupling (exact normalisation: :class:`.trials.TrialStream`; trials
            in ``metadata["n_trials"]``).
        rng: random generator, the only source of randomness: the same generator state gives
            the same events (pilot rounds, then batches of fixed size, drawn in sequence).
        progress: called with the number of events done after each batch.
        seed: recorded in the metadata if given.
        couplings: (d_min, d_max) in GeV^-1, the range of (d_e^2 + d_mu^2 + d_tau^2)^(1/2) the
            sample is meant to serve (e.g. a scan grid's range); the decay-length mixture and
            the pilot optimisation are built for it. Default: ``settings.couplings``.
        settings: proposal settings (default ``setup.injection``); ``settings.legacy()`` gives
            the proposal of earlier versions.

    The settings actually used (pilot-optimised shares included) are recorded in
    ``metadata["proposal"]``, the pilot rounds in ``metadata["pilot"]``.

    Raises:
        PhysicsDomainError: m_N above the kinematic reach of the flux.
        ConfigurationError: n_events < 1 or an invalid setup.
    """
    return generate_samples(setup, model, n_events, [rng], progress, seed, couplings, settings)[0]


def generate_samples(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rngs: Sequence[np.random.Generator],
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
    couplings: tuple[float, float] | None = None,
    settings: InjectionSettings | None = None,
) -> list[Events]:
    """Independent samples of :func:`generate` (same arguments), one per generator of
    ``rngs``, drawn from one proposal: the preparation and the pilot (drawn from the first
    generator) are shared, so that the first sample is the one :func:`generate` gives for
    ``rngs[0]`` and each further sample costs only its own batches (e.g. a scan's replicas).
    ``progress`` is called by each sample in turn, counting from 0."""
    streams = stream_samples(setup, model, n_events, rngs, progress, seed, couplings, settings)
    return [Events(model, stream.collect()[0], stream.metadata()) for stream in streams]


def stream_sample(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
    couplings: tuple[float, float] | None = None,
    settings: InjectionSettings | None = None,
) -> TrialStream:
    """The sample of :func:`generate` (same arguments) as batches not yet drawn: runs the pilot,
    then returns the :class:`TrialStream` of the main run (its ``metadata()``: the sample's,
    once the stream has been iterated to its end)."""
    return stream_samples(setup, model, n_events, [rng], progress, seed, couplings, settings)[0]


def stream_samples(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rngs: Sequence[np.random.Generator],
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
    couplings: tuple[float, float] | None = None,
    settings: InjectionSettings | None = None,
) -> list[TrialStream]:
    """:func:`stream_sample` for each generator of ``rngs``, sharing one preparation and one
    pilot (see :func:`generate_samples`)."""
    if not rngs:
        raise ConfigurationError("Give at least one random generator: one sample per generator.")
    rng = rngs[0]
    start = time.perf_counter()
    settings = setup.injection if settings is None else settings
    if couplings is not None:
        settings = replace(settings, couplings=(float(couplings[0]), float(couplings[1])))
    prep = prepare(setup, model.m_N)
    pilot: list[dict[str, Any]] = []
    defensive: InjectionSettings | None = None
    if settings.proposal == "mixture" and settings.pilot_rounds and settings.pilot_events:
        pilot_rng = np.random.default_rng(rng.integers(0, 2**63, size=4))

        def draw(trial: InjectionSettings, size: int) -> tuple[dict[str, Any], dict[str, Mixture]]:
            return _generate_batch(prep, model, trial, pilot_rng, size)

        wanted = max(settings.pilot_events, round(settings.pilot_fraction * n_events))
        size = min(wanted, max(2 * n_events, 5_000))
        given = settings
        settings, pilot = optimise_pilot(replace(settings, pilot_events=size), draw, model)
        defensive = given if settings.defensive_share > 0 else None
    proposal = settings.as_dict()
    if settings.proposal == "mixture":
        proposal["decay_ctau_cm"] = decay_lengths(settings, model.m_N, model.nature).tolist()
        centre, radius = photon_target(settings, setup.detector.fiducial)
        proposal["photon_target_sphere"] = {"center": centre.tolist(), "radius": radius}
    if defensive is not None:
        proposal["defensive"] = defensive.as_dict()

    def metadata(stream: TrialStream) -> dict[str, Any]:
        return {
            "experiment": setup.name,
            "pot": setup.pot,
            "n_generated": stream.kept,
            "n_trials": stream.trials,
            "seed": seed,
            "neutrissimo_version": version("neutrissimo"),
            "flux": setup.flux.name,
            "channels": list(setup.channels),
            "form_factor": setup.form_factor,
            "detector": setup.detector.name,
            "proposal": proposal,
            "pilot": pilot,
            "wall_time_s": time.perf_counter() - start,
        }

    legacy = settings.proposal == "legacy"
    return [
        TrialStream(
            functools.partial(_main_batch, prep, model, settings, defensive, generator),
            n_events,
            progress,
            legacy,
            metadata,
        )
        for generator in rngs
    ]


def _main_batch(
    prep: Prepared,
    model: DipoleModel,
    settings: InjectionSettings,
    defensive: InjectionSettings | None,
    rng: np.random.Generator,
    size: int,
) -> dict[str, Any]:
    """One batch of the sample: each trial independently drawn with the pilot's ``settings``
    or, with probability s = ``settings.defensive_share``, with the ``defensive`` ones (same
    components, other shares), in random order, and weighted by the mixture of both: the
    weight p / q_own of :func:`_generate_batch` times q_own / ((1 - s) q + s q_defensive),
    the proposal densities from each stage's mixture record (exact: the components do not
    depend on the shares)."""
    if defensive is None:
        return _generate_batch(prep, model, settings, rng, size)[0]
    share = settings.defensive_share
    n_defensive = int(rng.binomial(size, share))
    n_main = size - n_defensive
    position = rng.permutation(size)  # each trial's place in the batch
    main, main_mix = _generate_batch(prep, model, settings, rng, n_main)
    other, other_mix = _generate_batch(prep, model, defensive, rng, n_defensive)
    columns = {key: np.concatenate([main[key], other[key]]) for key in main}
    columns["trial"] = np.concatenate(
        [position[:n_main][main["trial"]], position[n_main:][other["trial"]]]
    )
    records = {
        k: Mixture(
            m.shares,
            np.concatenate([m.components, other_mix[k].components]),
            np.concatenate([m.available, other_mix[k].available]),
        )
        for k, m in main_mix.items()
    }
    q_main = proposal_density(records, {k: m.shares for k, m in main_mix.items()})
    q_other = proposal_density(records, {k: m.shares for k, m in other_mix.items()})
    own = np.concatenate([q_main[: len(main["trial"])], q_other[len(main["trial"]) :]])
    mixed = (1.0 - share) * q_main + share * q_other
    columns["weight_production"] = columns["weight_production"] * np.where(
        mixed > 0, own / np.where(mixed > 0, mixed, 1.0), 0.0
    )
    order = np.argsort(columns["trial"], kind="stable")
    return {key: value[order] for key, value in columns.items()}
