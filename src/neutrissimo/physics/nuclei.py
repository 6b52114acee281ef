"""Nuclei: charge, mass number, nuclear mass and, where measured, Fourier-Bessel charge densities.

Masses come from the AME2020 atomic-mass evaluation (W.J. Huang et al., Chin. Phys. C45
030002 (2021); ``nuclear/ame2020_mass20_1.txt``): M_nucleus = A u + Delta - Z m_e, neglecting the
electron binding energy (< 1e-6 relative). Fourier-Bessel coefficients are those of De Vries,
De Jager and De Vries, At. Data Nucl. Data Tables 36, 495 (1987)
(``nuclear/fourier_bessel_charge_density_devries.csv``).

Names are element symbol followed by mass number, ``"C12"``, ``"Pb208"``; ``"12C"`` and any
capitalisation are accepted.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass, field

from neutrissimo.exceptions import DataFileError, UnknownNucleusError
from neutrissimo.io.data import fetch
from neutrissimo.physics.constants import AMU_GEV, M_ELECTRON

__all__ = ["FourierBessel", "Nucleus", "fourier_bessel_nuclei", "nucleus"]

AME_FILE = "nuclear/ame2020_mass20_1.txt"
FB_FILE = "nuclear/fourier_bessel_charge_density_devries.csv"
#: Typos of the tabulated source (DarkNews' "t1203", "t1205" keys): the nuclides are Tl203, Tl205.
_FB_NAME_FIXES = {"Tl1203": ("Tl203", 203), "Tl1205": ("Tl205", 205)}


@dataclass(frozen=True)
class FourierBessel:
    """Fourier-Bessel charge density rho(r) = sum_v a_v j0(v pi r / R), r < R.

    Attributes:
        radius_fm: cut-off radius R in fm.
        coefficients: a_v in e fm^-3, v = 1..len(coefficients).
    """

    radius_fm: float
    coefficients: tuple[float, ...]


@dataclass(frozen=True)
class Nucleus:
    """A nucleus as a scattering target.

    Attributes:
        name: canonical name, e.g. ``"C12"``.
        Z: proton number.
        A: mass number.
        mass: nuclear mass in GeV.
        fourier_bessel: measured charge density, if tabulated.
    """

    name: str
    Z: int
    A: int
    mass: float
    fourier_bessel: FourierBessel | None = field(default=None, repr=False)

    @property
    def N(self) -> int:
        """Neutron number."""
        return self.A - self.Z

    @property
    def pdg_code(self) -> int:
        """PDG nuclear code 10LZZZAAAI (L = I = 0)."""
        return 1_000_000_000 + 10_000 * self.Z + 10 * self.A


@functools.cache
def _ame_table() -> tuple[dict[tuple[int, int], float], dict[str, int]]:
    """Mass excesses in GeV keyed by (Z, A), and element symbol -> Z, from AME2020."""
    path = fetch(AME_FILE)
    excess: dict[tuple[int, int], float] = {}
    symbols: dict[str, int] = {}
    lines = path.read_text().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if "MASS EXCESS" in line) + 2
        for line in lines[start:]:
            if len(line) < 42 or not line[9:19].strip():
                continue
            z, a = int(line[9:14]), int(line[14:19])
            symbol = line[20:23].strip()
            value = line[28:42].strip().replace("#", ".")
            excess[(z, a)] = float(value) * 1e-6  # keV -> GeV
            if z > 0:  # the free neutron is listed as "n", not an element
                symbols.setdefault(symbol.capitalize(), z)
    except (StopIteration, ValueError) as exc:
        raise DataFileError(
            f"Data file '{AME_FILE}' ({path}) is not in AME2020 format: {exc}"
        ) from exc
    return excess, symbols


@functools.cache
def _fourier_bessel_table() -> dict[str, tuple[int, int, FourierBessel]]:
    path = fetch(FB_FILE)
    table: dict[str, tuple[int, int, FourierBessel]] = {}
    with path.open() as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        try:
            for row in rows:
                coeffs = [float(row[f"a{v}"]) for v in range(1, 18)]
                while coeffs and coeffs[-1] == 0.0:
                    coeffs.pop()
                name, mass_number = _FB_NAME_FIXES.get(
                    row["nucleus"], (row["nucleus"], int(row["A"]))
                )
                table[name] = (
                    int(row["Z"]),
                    mass_number,
                    FourierBessel(float(row["R_fm"]), tuple(coeffs)),
                )
        except (KeyError, ValueError) as exc:
            raise DataFileError(f"Data file '{FB_FILE}' ({path}) is malformed: {exc}") from exc
    return table


def fourier_bessel_nuclei() -> list[str]:
    """Names of the nuclei with tabulated Fourier-Bessel charge densities."""
    return sorted(_fourier_bessel_table())


_NAME = re.compile(r"^\s*(?:([A-Za-z]{1,3})[-_ ]?(\d{1,3})|(\d{1,3})[-_ ]?([A-Za-z]{1,3}))\s*$")


@functools.cache
def nucleus(name: str) -> Nucleus:
    """The nucleus called ``name`` (``"C12"``, ``"12C"``, ``"pb208"``).

    Raises:
        UnknownNucleusError: the name is not a symbol + mass number of a nuclide in AME2020.
    """
    excess, symbols = _ame_table()
    match = _NAME.match(name)
    if match is not None:
        symbol = (match.group(1) or match.group(4)).capitalize()
        a = int(match.group(2) or match.group(3))
        z = symbols.get(symbol)
        if z is not None and (z, a) in excess:
            canonical = f"{symbol}{a}"
            fb = _fourier_bessel_table().get(canonical)
            mass = a * AMU_GEV + excess[(z, a)] - z * M_ELECTRON
            return Nucleus(canonical, z, a, mass, fb[2] if fb else None)
    known = [f"{s}{a}" for (z, a) in excess for s, zz in symbols.items() if zz == z]
    close = difflib.get_close_matches(name.strip().capitalize(), known, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownNucleusError(
        f"Unknown nucleus {name!r}: expected an element symbol and mass number such as 'C12', "
        f"'O16' or 'Pb208' (a nuclide of the AME2020 table).{hint}"
    )
