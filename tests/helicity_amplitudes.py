"""Independent reference for the dipole upscattering amplitude: explicit Dirac matrices.

Builds helicity spinors in the Dirac representation, the vertex 2 d sigma^{mu nu} q_nu P_L and
the hadronic currents (coherent: Z F (p + p')^mu; nucleon: ubar(p')[F1 gamma^mu +
i F2 sigma^{mu nu} q_nu / 2M] u(p)), and squares the amplitude numerically, point by point. It
shares no algebra with ``neutrissimo.physics.cross_sections`` (which uses closed-form traces), so
agreement tests the traces, the spin vector and the hadronic tensor at once.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np

I2 = np.eye(2)
PAULI = [
    np.array([[0, 1], [1, 0]], complex),
    np.array([[0, -1j], [1j, 0]]),
    np.diag([1.0, -1.0]).astype(complex),
]
ZERO = np.zeros((2, 2))
GAMMA = [np.block([[I2, ZERO], [ZERO, -I2]]).astype(complex)] + [
    np.block([[ZERO, s], [-s, ZERO]]) for s in PAULI
]
GAMMA5 = np.block([[ZERO, I2], [I2, ZERO]]).astype(complex)
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
P_LEFT = 0.5 * (np.eye(4) - GAMMA5)


def slash(p: np.ndarray) -> np.ndarray:
    return sum(METRIC[m, m] * p[m] * GAMMA[m] for m in range(4))


def sigma(mu: int, nu: int) -> np.ndarray:
    return 0.5j * (GAMMA[mu] @ GAMMA[nu] - GAMMA[nu] @ GAMMA[mu])


def helicity_spinor(p4: np.ndarray, mass: float, helicity: int) -> np.ndarray:
    """Dirac spinor u(p, lambda), lambda = helicity/2, normalised to ubar u = 2m."""
    p3 = p4[1:]
    pabs = np.linalg.norm(p3)
    theta = np.arctan2(np.hypot(p3[0], p3[1]), p3[2]) if pabs > 0 else 0.0
    phi = np.arctan2(p3[1], p3[0])
    if helicity > 0:
        chi = np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])
    else:
        chi = np.array([-np.exp(-1j * phi) * np.sin(theta / 2), np.cos(theta / 2)])
    energy = p4[0]
    return np.concatenate([np.sqrt(energy + mass) * chi, helicity * np.sqrt(energy - mass) * chi])


def bar(u: np.ndarray) -> np.ndarray:
    return u.conj() @ GAMMA[0]


def lab_momenta(energy: float, q2: float, m_n: float, big_m: float):
    """k, k', p, p' in the target rest frame for nu(E) along z, HNL in the x-z plane.

    The HNL angle is computed in 50-digit decimal arithmetic, so that very forward angles
    (theta ~ 1e-6) are exact to double precision.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        e, q, mn, mt = (Decimal(float(v)) for v in (energy, q2, m_n, big_m))
        e_n_dec = e - q / (2 * mt)
        p_n_dec = (e_n_dec**2 - mn**2).sqrt()
        cos_dec = (2 * e * e_n_dec - mn**2 - q) / (2 * e * p_n_dec)
        sin_dec = max(Decimal(0), 1 - cos_dec**2).sqrt()
        e_n, p_n, cos, sin = (float(v) for v in (e_n_dec, p_n_dec, cos_dec, sin_dec))
    k = np.array([energy, 0, 0, energy])
    kp = np.array([e_n, p_n * sin, 0, p_n * cos])
    p = np.array([big_m, 0, 0, 0])
    return k, kp, p, k + p - kp


def lepton_currents(k, kp, m_n, hnl_helicity):
    """J^mu = ubar_N(k', h) sigma^{mu nu} q_nu P_L u_nu(k, -) (upper index)."""
    q = k - kp
    u_nu = helicity_spinor(k, 0.0, -1)
    u_n = helicity_spinor(kp, m_n, hnl_helicity)
    q_low = METRIC @ q
    return np.array(
        [
            bar(u_n) @ sum(sigma(mu, nu) * q_low[nu] for nu in range(4)) @ P_LEFT @ u_nu
            for mu in range(4)
        ]
    )


def dsigma_dq2_explicit(
    energy, q2, m_n, big_m, hnl_helicity, target, d=1.0, z_ff=1.0, f1=1.0, f2=0.0
):
    """dsigma/dQ^2 in GeV^-4 (x GEV2_TO_CM2 for cm^2/GeV^2) from explicit spinors.

    target = "coherent" (current Z F (p+p')) or "nucleon" (Dirac/Pauli current, spins summed and
    averaged). ``z_ff`` is Z F(Q) for coherent targets; f1, f2 the nucleon form factors.
    """
    alpha = 1 / 137.035999084
    e2 = 4 * np.pi * alpha
    k, kp, p, pp = lab_momenta(energy, q2, m_n, big_m)
    j = lepton_currents(k, kp, m_n, hnl_helicity)
    j_low = METRIC @ j
    if target == "coherent":
        amp2 = abs(z_ff * (j_low @ (p + pp))) ** 2
    else:
        q = pp - p
        q_low = METRIC @ q
        amp2 = 0.0
        for s_in in (+1, -1):
            for s_out in (+1, -1):
                u_in = helicity_spinor(p, big_m, s_in)
                u_out = helicity_spinor(pp, big_m, s_out)
                h = np.array(
                    [
                        bar(u_out)
                        @ (
                            f1 * GAMMA[mu]
                            + 1j
                            * f2
                            / (2 * big_m)
                            * sum(sigma(mu, nu) * q_low[nu] for nu in range(4))
                        )
                        @ u_in
                        for mu in range(4)
                    ]
                )
                amp2 += abs(j_low @ h) ** 2
        amp2 /= 2.0
    amp2 *= 4 * d**2 * e2 / q2**2
    return amp2 / (64 * np.pi * big_m**2 * energy**2)
