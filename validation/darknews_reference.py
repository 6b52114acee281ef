#!/usr/bin/env python
"""Regenerate the DarkNews reference tables used by the test suite.

DarkNews (Abdullahi, Hostert, Massaro, Pascoli; arXiv:2207.04137) is used here as an
*independent oracle* for the dipole-portal upscattering cross sections; no DarkNews code is
part of neutrissimo. This script must be run with a Python that has ``DarkNews==0.4.8``
installed, kept apart from the project's environment, e.g.::

    python -m venv /work/venv-darknews
    /work/venv-darknews/bin/pip install DarkNews==0.4.8
    /work/venv-darknews/bin/python validation/darknews_reference.py            # cross sections
    /work/venv-darknews/bin/python validation/darknews_reference.py --q2-moments  # + event table

Outputs (paths relative to the repository root):

``tests/reference/darknews_xsec.csv``
    Total upscattering cross sections nu_mu + target -> N + target for the *pure* dipole portal,
    coherent C12 and elastic scattering on one proton, helicity-flipping and -conserving
    separately, four HNL masses, 12 energies each (log-spaced in E - E_th from 0.1% above
    threshold to 20 GeV).

``tests/reference/darknews_q2_moments.csv`` (with ``--q2-moments``)
    Mean and standard deviation of Q^2 and E_N from DarkNews' own event generator
    (``GenLauncher``) at m_N = 0.47 GeV, for a quasi-monochromatic 1 GeV beam and for the
    MiniBooNE FHC nu_mu flux.

Conventions (checked against an explicit Dirac-trace computation, see the report that came
with this script):

* neutrissimo's ``L = d nubar_mu sigma_{mu nu} F^{mu nu} P_R N + h.c.`` corresponds exactly to
  DarkNews' ``mu_tr_mu4 = 2 d`` (DarkNews vertex ``t_aj = mu_tr/2``, model.py); DarkNews sums,
  not averages, over the (left-handed) neutrino spin and averages over the target spin.
* DarkNews' helicity labels refer to the HNL helicity in the nu-target *centre-of-mass* frame:
  "flipping" = h_N = +1, "conserving" = h_N = -1.
* Every other portal is switched off explicitly (see ``PURE_DIPOLE``).

One deliberate deviation from DarkNews-as-installed: DarkNews 0.4.8 computes Q^2_min with a
small-(m_N/sqrt(s)) expansion whenever m_N/sqrt(s) < 1e-3 (phase_space.upscattering_Q2min_s).
The expansion is wrong near threshold; for coherent C12 at m_N = 0.01 GeV it enlarges the Q^2
range into the unphysical region (Q^2_min too small by up to a factor 3.7, cross sections even
negative). ``sigma_cm2`` is therefore DarkNews' own amplitude and vegas integration, with the
lower integration limit replaced by the exact two-body Q^2_min (a kinematic limit only; the
amplitude is untouched). The unpatched DarkNews number is kept in ``sigma_dn_unpatched_cm2``
and the ratio of the two Q^2_min values in ``q2min_dn_over_exact``; the two columns agree
wherever that ratio is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import sys
import tempfile
import time
from pathlib import Path

import DarkNews as dn
import gvar
import numpy as np
import vegas
from DarkNews import MC, const, integrands, pdg
from DarkNews import phase_space as dn_phase_space
from DarkNews.nuclear_tools import NuclearTarget

REPO = Path(__file__).resolve().parents[1]
OUT_XSEC = REPO / "tests" / "reference" / "darknews_xsec.csv"
OUT_Q2 = REPO / "tests" / "reference" / "darknews_q2_moments.csv"
OUT_WIDTHS = REPO / "tests" / "reference" / "darknews_widths.csv"

DARKNEWS_VERSION = "0.4.8"

D_GEVINV = 1.0e-6  # neutrissimo's dipole coupling d_mu (GeV^-1)
MASSES_GEV = (0.01, 0.1, 0.4, 0.8)
N_ENERGIES = 12
E_MAX_GEV = 20.0
FIRST_POINT_ABOVE_THRESHOLD = 1.0e-3  # first energy is E_th * (1 + this)

REL_ERR_GOAL = 1.0e-3  # vegas relative error to reach (requirement: < 3e-3)
NINT, NEVAL_START, NEVAL_MAX = 10, 2000, 256_000
NINT_WARMUP, NEVAL_WARMUP = 10, 2000
SEED = 20240607

# Every portal other than the transition magnetic moment switched off explicitly.
# (ThreePortalModel defaults are Umu4 = 1e-3, UD4 = UD5 = UD6 = 1, epsilon = 1e-3, gD = 1.)
PURE_DIPOLE = dict(
    HNLtype="dirac",
    mzprime=1.25,  # irrelevant once every Z' coupling vanishes
    mhprime=None,
    gD=0.0,
    epsilon=0.0,
    epsilonZ=0.0,
    theta=0.0,
    Ue4=0.0,
    Umu4=0.0,
    Utau4=0.0,
    UD4=0.0,
    UD5=0.0,
    UD6=0.0,
)

CHANNELS = (
    # (target label, channel label, DarkNews scattering regime)
    ("C12", "coherent", "coherent"),
    ("proton", "proton_elastic", "p-el"),
)
HELICITIES = (("flip", "flipping"), ("conserve", "conserving"))

XSEC_COLUMNS = (
    "target",
    "channel",
    "helicity",
    "m_N_GeV",
    "E_nu_GeV",
    "sigma_cm2",
    "sigma_err_cm2",
    "d_GeVinv",
    "q2min_dn_over_exact",
    "sigma_dn_unpatched_cm2",
)


def pure_dipole_model(
    m_n: float, d: float = D_GEVINV, hnl_type: str = "dirac"
) -> dn.model.ThreePortalModel:
    """DarkNews model with only the nu_mu-N transition magnetic moment, mu_tr_mu4 = 2 d."""
    params = dict(PURE_DIPOLE, HNLtype=hnl_type)
    model = dn.model.ThreePortalModel(m4=m_n, mu_tr_mu4=2.0 * d, **params)
    # guard against DarkNews defaults leaking in
    assert model.has_TMM
    assert not model.has_vector_coupling
    assert not model.has_scalar_coupling
    assert not model.is_mass_mixed
    assert model.c_aj[const.ind_mu, 3] == 0.0
    assert model.d_aj[const.ind_mu, 3] == 0.0
    assert np.isclose(model.t_aj[const.ind_mu, 3], d)
    return model


def q2_limits_exact(e_nu: float, m_n: float, m_target: float) -> tuple[float, float]:
    """Exact 2->2 limits of Q^2 = -t for a massless projectile on a target at rest.

    Q^2_min is written in a cancellation-free form:
    Q^2_min = m^4 M^2 / (s (A + p3)(E3 + p3)), A = (s - M^2 - m^2)/(2 sqrt s), CM quantities.
    """
    s = m_target**2 + 2.0 * e_nu * m_target
    rs = np.sqrt(s)
    e1 = (s - m_target**2) / (2.0 * rs)
    e3 = (s + m_n**2 - m_target**2) / (2.0 * rs)
    p3 = np.sqrt(max(e3**2 - m_n**2, 0.0))
    a = (s - m_target**2 - m_n**2) / (2.0 * rs)
    q2min = m_n**4 * m_target**2 / (s * (a + p3) * (e3 + p3))
    q2max = 2.0 * e1 * (e3 + p3) - m_n**2
    return q2min, q2max


def _exact_q2min(e_nu, m_n, m_target):
    return np.vectorize(lambda e, m, mt: q2_limits_exact(e, m, mt)[0])(e_nu, m_n, m_target)


@contextlib.contextmanager
def exact_q2min():
    """Temporarily replace DarkNews' Q^2_min (only the integration limit) by the exact one."""
    original = dn_phase_space.upscattering_Q2min
    dn_phase_space.upscattering_Q2min = _exact_q2min
    try:
        yield
    finally:
        dn_phase_space.upscattering_Q2min = original


def vegas_total_xsec(
    process: dn.UpscatteringProcess, e_nu: float, seed: int
) -> tuple[float, float, int]:
    """DarkNews' own total cross section (UpscatteringProcess.scalar_total_xsec), with its error.

    Same integrand (integrands.UpscatteringXsec, 1-d in ln Q^2) and same driver (MC.run_vegas)
    as DarkNews; NEVAL is raised until the relative vegas error is below REL_ERR_GOAL.
    Returns (sigma, sigma_err, neval) in cm^2 *per scattering target* (no target multiplicity).
    """
    neval = NEVAL_START
    while True:
        np.random.seed(seed)  # noqa: NPY002  (DarkNews' normalisation throw uses it)
        gvar.ranseed(seed)  # vegas draws from gvar.RNG
        integrand = integrands.UpscatteringXsec(dim=1, Enu=e_nu, ups_case=process, diagram="total")
        integrator = vegas.Integrator([[0.0, 1.0]])
        result = MC.run_vegas(
            integrand,
            integrator,
            adapt_to_errors=True,
            NINT=NINT,
            NEVAL=neval,
            NINT_warmup=NINT_WARMUP,
            NEVAL_warmup=NEVAL_WARMUP,
        )["diff_xsec"]
        norm = integrand.norm["diff_xsec"]
        mean, err = result.mean * norm, result.sdev * norm
        if err < REL_ERR_GOAL * abs(mean) or neval >= NEVAL_MAX:
            return mean, err, neval
        neval *= 4


def energy_grid(e_threshold: float) -> np.ndarray:
    """N_ENERGIES points, log-spaced in E - E_th, from E_th*(1+1e-3) to E_MAX_GEV."""
    offsets = np.geomspace(
        FIRST_POINT_ABOVE_THRESHOLD * e_threshold, E_MAX_GEV - e_threshold, N_ENERGIES
    )
    return e_threshold + offsets


def make_xsec_table(verbose: bool = True) -> list[dict]:
    carbon = NuclearTarget("C12")
    rows = []
    for i_m, m_n in enumerate(MASSES_GEV):
        model = pure_dipole_model(m_n)
        for i_c, (target_label, channel, regime) in enumerate(CHANNELS):
            for i_h, (hel_label, hel_dn) in enumerate(HELICITIES):
                process = dn.UpscatteringProcess(
                    nu_projectile=pdg.numu,
                    nu_upscattered=pdg.neutrino4,
                    nuclear_target=carbon,
                    scattering_regime=regime,
                    TheoryModel=model,
                    helicity=hel_dn,
                )
                # NC_SQR is listed but vanishes identically (Cij = 0)
                assert process.calculable_diagrams == ["NC_SQR", "TMM_SQR"]
                assert process.Cij == 0.0
                assert process.Vij == 0.0
                assert process.Sij == 0.0
                m_target = process.MA
                e_th = m_n + m_n**2 / (2.0 * m_target)
                assert np.isclose(e_th, process.Ethreshold, rtol=1e-12)
                for i_e, e_nu in enumerate(energy_grid(e_th)):
                    seed = SEED + 1000 * i_m + 100 * i_c + 20 * i_h + i_e
                    t0 = time.perf_counter()
                    q2min_dn = float(dn_phase_space.upscattering_Q2min(e_nu, m_n, m_target))
                    ratio = q2min_dn / q2_limits_exact(e_nu, m_n, m_target)[0]
                    sig_raw, err_raw, _ = vegas_total_xsec(process, e_nu, seed)
                    if abs(ratio - 1.0) > 1e-9:
                        with exact_q2min():
                            sig, err, _ = vegas_total_xsec(process, e_nu, seed)
                    else:
                        sig, err = sig_raw, err_raw
                    rows.append(
                        dict(
                            target=target_label,
                            channel=channel,
                            helicity=hel_label,
                            m_N_GeV=m_n,
                            E_nu_GeV=e_nu,
                            sigma_cm2=sig,
                            sigma_err_cm2=err,
                            d_GeVinv=D_GEVINV,
                            q2min_dn_over_exact=ratio,
                            sigma_dn_unpatched_cm2=sig_raw,
                        )
                    )
                    if verbose:
                        print(
                            f"{target_label:6s} {hel_label:8s} m={m_n:<5} E={e_nu:10.6g}  "
                            f"sigma={sig:.5e} +- {err / sig:.1e}  q2min ratio={ratio:.4f}  "
                            f"({time.perf_counter() - t0:.2f} s)",
                            flush=True,
                        )
    return rows


def _fmt(x) -> str:
    if isinstance(x, str):
        return x
    return f"{x:.8g}" if isinstance(x, float) else str(x)


def write_xsec_csv(rows: list[dict], path: Path, elapsed_s: float) -> None:
    versions = (
        f"DarkNews {dn.__version__}, vegas {vegas.__version__}, numpy {np.__version__}, "
        f"python {sys.version.split()[0]}"
    )
    portals = ", ".join(f"{k}={v}" for k, v in PURE_DIPOLE.items())
    header = [
        "DarkNews reference: total dipole-portal upscattering cross sections",
        "  nu_mu + target -> N + target.",
        f"Generated by validation/darknews_reference.py ({versions}); wall time {elapsed_s:.0f} s.",
        "Model: DarkNews.model.ThreePortalModel(m4=m_N, mu_tr_mu4=2*d, "
        f"d={D_GEVINV:g} GeV^-1, {portals}); all other couplings 0.",
        "  d is neutrissimo's coupling in L = d nubar_mu sigma_{mu nu} F^{mu nu} P_R N + h.c.;",
        "  DarkNews' vertex is t_aj = mu_tr/2 = d. sigma scales as d^2.",
        "  Only the TMM_SQR diagram contributes (NC_SQR is identically 0 as Umu4 = 0).",
        f"Targets: 'C12' coherent = whole nucleus, M = {NuclearTarget('C12').mass:.10f} GeV "
        "(AME2020 nuclear mass),",
        "  charge form factor = Fourier-Bessel (de Vries et al. coefficients), Z^2 = 36 included.",
        "  'proton' proton_elastic = cross section PER PROTON, "
        f"M = m_proton = {const.m_proton} GeV,",
        "  nucleon Dirac/Pauli form factors from dipole Sachs form factors "
        "(M_V = 0.843 GeV, mu_p = 2.792).",
        "  DarkNews' 'p-el' on C12 is exactly Z = 6 times this number (no Pauli blocking, "
        "no binding);",
        "  its free-proton (H1) channel gives the same per-proton number.",
        "Helicity: 'flip' = DarkNews helicity='flipping' (h_N = +1), "
        "'conserve' = 'conserving' (h_N = -1);",
        "  DarkNews defines h_N in the nu-target centre-of-mass frame.",
        f"Energies: {N_ENERGIES} per (channel, m_N): E = E_th + "
        f"geomspace({FIRST_POINT_ABOVE_THRESHOLD:g}*E_th, {E_MAX_GEV:g} - E_th), "
        "E_th = m_N + m_N^2/(2 M).",
        "Integration: DarkNews' integrand (integrands.UpscatteringXsec, 1-d in ln Q^2) "
        "and MC.run_vegas;",
        f"  {NINT_WARMUP}x{NEVAL_WARMUP} warm-up, then {NINT} iterations of "
        f"NEVAL >= {NEVAL_START},",
        f"  NEVAL x4 until sigma_err/sigma < {REL_ERR_GOAL:g}. "
        "sigma_err is the vegas standard deviation only.",
        "  DarkNews caps Q at 2 GeV (coherent) and 5 GeV (p-el); lifting the caps changes",
        "  no entry by more than its vegas error (checked at 5 and 20 GeV).",
        "Q2min: sigma_cm2 uses the exact two-body Q^2_min as lower integration limit.",
        "  DarkNews 0.4.8 switches to a small-(m_N/sqrt s) expansion when m_N/sqrt(s) < 1e-3",
        "  (phase_space.upscattering_Q2min_s), which is wrong near threshold (here: coherent",
        "  C12 at m_N = 0.01 GeV, up to a factor 3.7 in Q^2_min and sign-flipped sigma), and",
        "  its unexpanded formula loses digits at large s (proton, m_N = 0.01 GeV, 20 GeV:",
        "  3e-4 in Q^2_min and in the conserving sigma). q2min_dn_over_exact = DarkNews'",
        "  Q^2_min / exact; sigma_dn_unpatched_cm2 = DarkNews as installed.",
        "Units: GeV, cm^2.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        for line in header:
            f.write(f"# {line}\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(XSEC_COLUMNS)
        for row in rows:
            writer.writerow([_fmt(row[c]) for c in XSEC_COLUMNS])


# ---------------------------------------------------------------------------------------------
# Optional: Q^2 and E_N moments from DarkNews' event generator
# ---------------------------------------------------------------------------------------------
Q2_MASS_GEV = 0.47
Q2_D_GEVINV = 1.25e-6  # only sets the decay length; the moments do not depend on it
Q2_MONO_E_GEV = 1.0
Q2_MONO_HALF_WIDTH_GEV = 0.002
Q2_NEVAL = 20_000
Q2_NINT = 5
Q2_COLUMNS = (
    "flux",
    "channel",
    "helicity",
    "m_N_GeV",
    "n_events",
    "n_eff",
    "mean_E_nu_GeV",
    "mean_Q2_GeV2",
    "std_Q2_GeV2",
    "mean_E_N_GeV",
    "std_E_N_GeV",
    "mean_cos_gamma_rest",
)


def _monochromatic_experiment(directory: Path) -> Path:
    """DarkNews experiment file with a flat nu_mu flux of +-Q2_MONO_HALF_WIDTH_GEV around
    Q2_MONO_E_GEV (a fixed neutrino energy in effect)."""
    e_lo, e_hi = Q2_MONO_E_GEV - Q2_MONO_HALF_WIDTH_GEV, Q2_MONO_E_GEV + Q2_MONO_HALF_WIDTH_GEV
    energies = np.linspace(e_lo, e_hi, 5)
    flux = np.zeros((energies.size, 7))
    flux[:, 0] = energies
    flux[:, 2] = 1.0  # columns: E, nue, numu, nutau, nuebar, numubar, nutaubar
    np.savetxt(directory / "mono_flux.dat", flux)
    exp = directory / "mono_1GeV.txt"
    exp.write_text(
        f"""name = "mono_1GeV"
fluxfile = "mono_flux.dat"
flux_norm = 1
erange = [{e_lo}, {e_hi}]
nuclear_targets = ['C12', 'H1']
fiducial_mass_per_target = [1.0, 1.0]
POTs = 1
"""
    )
    return exp


def _moments(df, channel: str, helicity: str, flux_label: str) -> dict:
    w = np.asarray(df["w_event_rate"], dtype=float)
    p_nu = np.stack([np.asarray(df["P_projectile", c], dtype=float) for c in "0123"], axis=1)
    p_n = np.stack([np.asarray(df["P_decay_N_parent", c], dtype=float) for c in "0123"], axis=1)
    p_g = np.stack([np.asarray(df["P_decay_photon", c], dtype=float) for c in "0123"], axis=1)
    q = p_nu - p_n
    q2 = -(q[:, 0] ** 2 - np.sum(q[:, 1:] ** 2, axis=1))
    e_n = p_n[:, 0]
    # photon direction in the N rest frame w.r.t. the N lab direction (helicity axis)
    beta = p_n[:, 1:] / e_n[:, None]
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p_g[:, 1:], axis=1)
    p_rest = p_g[:, 1:] + ((gamma - 1.0) * bp / b2 - gamma * p_g[:, 0])[:, None] * beta
    cos_g = np.sum(p_rest * beta, axis=1) / np.sqrt(np.sum(p_rest**2, axis=1) * b2)

    def wmean(x):
        return float(np.sum(w * x) / np.sum(w))

    def wstd(x):
        m = wmean(x)
        return float(np.sqrt(np.sum(w * (x - m) ** 2) / np.sum(w)))

    return dict(
        flux=flux_label,
        channel=channel,
        helicity=helicity,
        m_N_GeV=Q2_MASS_GEV,
        n_events=len(w),
        n_eff=float(np.sum(w) ** 2 / np.sum(w**2)),
        mean_E_nu_GeV=wmean(p_nu[:, 0]),
        mean_Q2_GeV2=wmean(q2),
        std_Q2_GeV2=wstd(q2),
        mean_E_N_GeV=wmean(e_n),
        std_E_N_GeV=wstd(e_n),
        mean_cos_gamma_rest=wmean(cos_g),
    )


def make_q2_table(verbose: bool = True) -> list[dict]:
    from DarkNews.GenLauncher import GenLauncher

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        experiments = (
            ("mono_1GeV", str(_monochromatic_experiment(tmpdir))),
            ("miniboone_fhc", "miniboone_fhc"),
        )
        for flux_label, experiment in experiments:
            for hel_label, (no_hc, no_hf) in (
                ("flip", (True, False)),
                ("conserve", (False, True)),
            ):
                for channel, (nocoh, nopel) in (
                    ("coherent", (False, True)),
                    ("proton_elastic", (True, False)),
                ):
                    gen = GenLauncher(
                        experiment=experiment,
                        m4=Q2_MASS_GEV,
                        mu_tr_mu4=2.0 * Q2_D_GEVINV,
                        decay_product="photon",
                        noHC=no_hc,
                        noHF=no_hf,
                        nocoh=nocoh,
                        nopelastic=nopel,
                        neval=Q2_NEVAL,
                        nint=Q2_NINT,
                        neval_warmup=2000,
                        nint_warmup=10,
                        seed=SEED,
                        path=str(tmpdir / "dn_out"),
                        pandas=False,
                        parquet=False,
                        loglevel="ERROR",
                        **PURE_DIPOLE,
                    )
                    df = gen.run()
                    if channel == "proton_elastic":
                        # p-el on the 6 bound protons of C12 and on H1: same kinematics
                        df = df[df["scattering_regime"] == "p-el"]
                    else:
                        df = df[df["scattering_regime"] == "coherent"]
                    row = _moments(df, channel, hel_label, flux_label)
                    rows.append(row)
                    if verbose:
                        print({k: _fmt(v) for k, v in row.items()}, flush=True)
    return rows


def write_q2_csv(rows: list[dict], path: Path) -> None:
    portals = ", ".join(f"{k}={v}" for k, v in PURE_DIPOLE.items())
    e_lo, e_hi = Q2_MONO_E_GEV - Q2_MONO_HALF_WIDTH_GEV, Q2_MONO_E_GEV + Q2_MONO_HALF_WIDTH_GEV
    header = [
        "DarkNews reference: moments of the upscattering kinematics from DarkNews' own",
        "  event generator (GenLauncher).",
        "Generated by validation/darknews_reference.py --q2-moments with "
        f"DarkNews {dn.__version__}.",
        f"Model: pure dipole, m4 = {Q2_MASS_GEV} GeV, mu_tr_mu4 = 2*{Q2_D_GEVINV:g} GeV^-1,",
        f"  {portals}, decay_product = photon.",
        f"Generator: neval = {Q2_NEVAL}, nint = {Q2_NINT} (+10x2000 warm-up), seed = {SEED};",
        "  moments weighted with w_event_rate; n_eff = (sum w)^2 / sum w^2.",
        f"Fluxes: 'mono_1GeV' = flat nu_mu flux on [{e_lo:g}, {e_hi:g}] GeV (fixed E_nu in "
        "effect);",
        "  'miniboone_fhc' = DarkNews' built-in MiniBooNE FHC nu_mu flux (MiniBooNE_FHC.dat,",
        "  erange 0.1-9 GeV); moments are event-rate weighted (flux x sigma).",
        "Channels: 'coherent' = C12 coherent; 'proton_elastic' = p-el on the bound protons of C12",
        "  and on H1 together (DarkNews treats both as free protons of mass m_proton).",
        "Q2 = -(P_projectile - P_decay_N_parent)^2; E_N = lab energy of N.",
        "mean_cos_gamma_rest = <cos> of the photon in the N rest frame w.r.t. the N lab momentum.",
        "  DarkNews' generator applies dGamma/dcos ~ (1 - h cos) to the *neutrino* direction",
        "  (integrands.get_momenta_from_vegas_samples, phase_space.two_body_decay), so its",
        "  photons follow (1 + h cos) (<cos> = +h/3), whereas a Dirac N of helicity h from",
        "  L = d nubar sigma F P_R N emits photons as (1 - h cos) (<cos> = -h/3, paper Sec. III).",
        "  This column documents that discrepancy; it is not a reference value.",
        "Units: GeV, GeV^2.",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        for line in header:
            f.write(f"# {line}\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(Q2_COLUMNS)
        for row in rows:
            writer.writerow([_fmt(row[c]) for c in Q2_COLUMNS])


def write_width_csv(path: Path) -> None:
    """DarkNews' N -> nu_mu gamma width (decay_rates.gamma_Ni_to_Nj_gamma with the model's
    vertex t_aj = mu_tr/2) for mu_tr_mu4 = 2 d, Dirac and Majorana."""
    from DarkNews.decay_rates import gamma_Ni_to_Nj_gamma

    d = 1.25e-6
    with path.open("w", newline="") as f:
        f.write(f"# DarkNews {dn.__version__}: Gamma(N -> nu_mu gamma) from\n")
        f.write("#   decay_rates.gamma_Ni_to_Nj_gamma with vertex = model.t_aj[mu, N]\n")
        f.write(f"#   for mu_tr_mu4 = 2 d, d = {d} GeV^-1 (all else 0).\n")
        f.write("#   Generated by validation/darknews_reference.py --widths. Units: GeV.\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["hnl_type", "m_N_GeV", "d_GeVinv", "width_GeV"])
        for hnl_type in ("dirac", "majorana"):
            for m_n in (0.01, 0.08, 0.47, 1.0):
                model = pure_dipole_model(m_n, d, hnl_type)
                vertex = model.t_aj[const.ind_mu, 3]
                width = gamma_Ni_to_Nj_gamma(vertex, m_n, 0.0, HNLtype=hnl_type)
                writer.writerow([hnl_type, _fmt(m_n), _fmt(d), _fmt(width)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--q2-moments",
        action="store_true",
        help="also regenerate darknews_q2_moments.csv (DarkNews GenLauncher)",
    )
    parser.add_argument(
        "--only-q2-moments",
        action="store_true",
        help="regenerate only darknews_q2_moments.csv",
    )
    parser.add_argument("--widths", action="store_true", help="regenerate only darknews_widths.csv")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if dn.__version__ != DARKNEWS_VERSION:
        print(
            f"warning: tables are defined for DarkNews {DARKNEWS_VERSION}, found {dn.__version__}",
            file=sys.stderr,
        )
    logging.getLogger("logger.DarkNews").setLevel(logging.ERROR)
    logging.getLogger("prettyprinter.DarkNews").setLevel(logging.ERROR)

    if args.widths:
        write_width_csv(OUT_WIDTHS)
        print(f"wrote {OUT_WIDTHS}")
        return 0
    if not args.only_q2_moments:
        t0 = time.perf_counter()
        rows = make_xsec_table(verbose=not args.quiet)
        write_xsec_csv(rows, OUT_XSEC, time.perf_counter() - t0)
        print(f"wrote {OUT_XSEC} ({len(rows)} rows)")
    if args.q2_moments or args.only_q2_moments:
        rows = make_q2_table(verbose=not args.quiet)
        write_q2_csv(rows, OUT_Q2)
        print(f"wrote {OUT_Q2} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
