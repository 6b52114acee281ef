"""The ``model`` and ``xsec`` commands: the HNL's widths and lifetime, and cross sections."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from neutrissimo.cli.common import AsJson, app, emit, friendly_errors, require_coupling

__all__: list[str] = []


@app.command()
@friendly_errors
def model(
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    d_mu: Annotated[float, typer.Option("--d-mu", help="d_mu [GeV^-1].")] = 0.0,
    d_tau: Annotated[float, typer.Option("--d-tau", help="d_tau [GeV^-1].")] = 0.0,
    d_e: Annotated[float, typer.Option("--d-e", help="d_e [GeV^-1].")] = 0.0,
    majorana: Annotated[
        bool, typer.Option("--majorana", help="Majorana HNL (default Dirac).", metavar="")
    ] = False,
    energy: Annotated[
        list[float] | None,
        typer.Option("--energy", help="HNL lab energy [GeV] for the decay length."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Widths, lifetime and decay lengths of a dipole-coupled HNL (paper eq. 5)."""
    from neutrissimo.physics.model import FLAVOURS, DipoleModel

    require_coupling(d_e, d_mu, d_tau)
    hnl = DipoleModel(
        m_N=mass, d_e=d_e, d_mu=d_mu, d_tau=d_tau, nature="majorana" if majorana else "dirac"
    )
    energies = list(energy or [])
    lengths = [float(x) for x in hnl.decay_length(np.array(energies))] if energies else []
    payload = {
        "m_N_GeV": hnl.m_N,
        "nature": hnl.nature,
        "couplings_GeVinv": {f: hnl.coupling(f) for f in FLAVOURS},
        "partial_widths_GeV": {f: hnl.partial_width(f) for f in FLAVOURS},
        "width_GeV": hnl.width,
        "ctau_cm": hnl.ctau,
        "lifetime_s": hnl.lifetime,
        "decay_lengths": [
            {"energy_GeV": e, "decay_length_cm": x} for e, x in zip(energies, lengths, strict=True)
        ],
    }
    lines = [
        f"m_N = {hnl.m_N:g} GeV ({hnl.nature}), d = (e {d_e:g}, mu {d_mu:g}, tau {d_tau:g}) GeV^-1",
        f"Gamma = {hnl.width:.6g} GeV   c tau = {hnl.ctau:.6g} cm   tau = {hnl.lifetime:.6g} s",
    ] + [
        f"E_N = {e:g} GeV: beta gamma c tau = {x:.6g} cm"
        for e, x in zip(energies, lengths, strict=True)
    ]
    emit(payload, as_json, lines)


@app.command()
@friendly_errors
def xsec(
    target: Annotated[
        str, typer.Option("--target", help="Nucleus (C12, Pb208, ...), 'proton' or 'neutron'.")
    ],
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    energy: Annotated[
        list[float], typer.Option("--energy", help="Neutrino energy [GeV]; repeatable.")
    ],
    d_mu: Annotated[float, typer.Option("--d-mu", help="Dipole coupling d_mu [GeV^-1].")] = 1e-6,
    form_factor: Annotated[
        str,
        typer.Option(
            "--form-factor", help="fourier-bessel | woods-saxon | dipole | helm (nuclei)."
        ),
    ] = "fourier-bessel",
    antineutrino: Annotated[
        bool,
        typer.Option(
            "--antineutrino",
            help="nubar_mu -> Nbar (same dipole cross sections, by CP).",
            metavar="",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Upscattering cross sections (cm^2), helicity-flip, -conserving and total."""
    from neutrissimo.physics.cross_sections import make_target, total_cross_section
    from neutrissimo.physics.kinematics import threshold_energy

    tgt = make_target(target, form_factor)
    energies = np.asarray(energy, dtype=float)
    flip = total_cross_section(tgt, energies, mass, d_mu, "flip")
    conserve = total_cross_section(tgt, energies, mass, d_mu, "conserve")
    payload = {
        "target": tgt.name,
        "channel": tgt.channel,
        "form_factor": tgt.form_factor if tgt.channel == "coherent" else None,
        "m_N_GeV": mass,
        "d_GeVinv": d_mu,
        "antineutrino": antineutrino,
        "threshold_GeV": float(threshold_energy(mass, tgt.mass)),
        "points": [
            {
                "energy_GeV": float(e),
                "sigma_flip_cm2": float(f),
                "sigma_conserve_cm2": float(c),
                "sigma_total_cm2": float(f + c),
            }
            for e, f, c in zip(energies, flip, conserve, strict=True)
        ],
    }
    lines = [
        f"{'nubar' if antineutrino else 'nu'}_mu + {tgt.name} ({tgt.channel}) -> N, "
        f"m_N = {mass:g} GeV, "
        f"d = {d_mu:g} GeV^-1, threshold {payload['threshold_GeV']:.6g} GeV",
        f"{'E [GeV]':>10} {'flip [cm2]':>12} {'conserve':>12} {'total':>12}",
    ]
    lines += [
        f"{e:10.4g} {f:12.4e} {c:12.4e} {f + c:12.4e}"
        for e, f, c in zip(energies, flip, conserve, strict=True)
    ]
    emit(payload, as_json, lines)
