"""Neutrino fluxes: normalisations, binning conventions, exact moments and sampling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from neutrissimo.beams.flux import (
    BEAMS,
    FLAVOURS,
    MODES,
    Flux,
    HistogramSpectrum,
    PiecewiseLinearSpectrum,
    available_fluxes,
    load_flux,
)
from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.io.data import load_table

BNB_FILES = {
    "fhc": "fluxes/bnb/MiniBooNE_nu_mode_flux.dat",
    "rhc": "fluxes/bnb/MiniBooNE_nubar_mode_flux.dat",
}
BNB_COLUMNS = {"numu": 2, "numubar": 3, "nue": 4, "nuebar": 5}
LE_FILE = "fluxes/numi/minerva_LE_official_release/Nu_Flux_wandcsplinefix_{}{}.txt"
#: column of each flavour in the 7-column DarkNews/SIREN tables
SEVEN_COLUMNS = {"nue": 1, "numu": 2, "nuebar": 4, "numubar": 5}


def le_contents(mode: str, flavour: str) -> np.ndarray:
    """Released LE bin contents, nu/m^2/POT per 0.5 GeV bin (line 1 of the release)."""
    return load_table(LE_FILE.format(flavour, mode.upper()))[0]


# --- analytic shapes (hand-computed references) ---------------------------------------------


def test_triangle_curve_moments_and_quantiles_by_hand():
    """f = 2E on [0,1], 2(2-E) on [1,2]: integral 2, mean 1, F(0.5) = 0.25, F(1.5) = 1.75."""
    flux = Flux("triangle", "test", "fhc", "numu", PiecewiseLinearSpectrum([0, 1, 2], [0, 2, 0]))
    assert flux.integral() == pytest.approx(2.0, rel=1e-15)
    assert flux.integral(0.5, 1.5) == pytest.approx(1.5, rel=1e-14)
    assert flux.mean_energy() == pytest.approx(1.0, rel=1e-14)
    assert flux.mean_energy(e_min=1.0) == pytest.approx(4 / 3, rel=1e-14)
    assert flux.quantile([0.125, 0.5, 0.875]) == pytest.approx([0.5, 1.0, 1.5], rel=1e-13)
    # restricted to E > 1 the density is 2(2 - E)/1: quantile 3/4 sits at E = 1.5
    assert flux.quantile(0.75, e_min=1.0) == pytest.approx(1.5, rel=1e-13)
    assert flux.density([-1, 0.25, 1.5, 2.5]) == pytest.approx([0, 0.5, 1.0, 0])
    assert (flux.e_low, flux.e_max) == (0.0, 2.0)


def test_histogram_moments_and_half_open_bins_by_hand():
    """Bins [0,1): 1, [1,3): 0, [3,4): 3 -> integral 4, mean (0.5 + 3 * 3.5)/4 = 2.75."""
    flux = Flux("steps", "test", "fhc", "numu", HistogramSpectrum([0, 1, 3, 4], [1, 0, 3]))
    assert flux.integral() == pytest.approx(4.0, rel=1e-15)
    assert flux.integral(0.5, 3.5) == pytest.approx(2.0, rel=1e-15)
    assert flux.mean_energy() == pytest.approx(2.75, rel=1e-15)
    assert flux.density([0.0, 1.0, 2.9, 3.0, 4.0]) == pytest.approx([1, 0, 0, 3, 0])
    # inverse CDF = inf{E: F(E) >= q}: 1/4 of the flux lies below E = 1, none in [1, 3)
    assert flux.quantile([0.0, 0.2, 0.25, 0.5, 1.0]) == pytest.approx(
        [0.0, 0.8, 1.0, 10 / 3, 4.0], rel=1e-14
    )


def test_zero_tails_do_not_extend_the_flux_range():
    curve = Flux("c", "t", "fhc", "numu", PiecewiseLinearSpectrum([0, 1, 2, 3, 4], [0, 0, 1, 0, 0]))
    assert (curve.e_low, curve.e_max) == (1.0, 3.0)
    hist = Flux("h", "t", "fhc", "numu", HistogramSpectrum([0, 1, 2, 3], [0, 5, 0]))
    assert (hist.e_low, hist.e_max) == (1.0, 2.0)
    assert hist.sample(np.random.default_rng(0), 1000) == pytest.approx(1.5, abs=0.5)


# --- normalisations against the numbers of the releases --------------------------------------


@pytest.mark.parametrize(
    ("beam", "expected", "rel"),
    [
        # PROVENANCE quotes 3 significant figures: 5.18e-10 (file sum 5.1936e-10) and 2.86e-8
        ("bnb", 5.18e-10, 5e-3),
        ("numi-le", 2.86e-8, 5e-3),
    ],
)
def test_official_fhc_numu_integral_matches_provenance(beam, expected, rel):
    assert load_flux(beam, "fhc", "numu").integral() == pytest.approx(expected, rel=rel)


def test_me_unofficial_fhc_numu_integral_matches_provenance():
    """PROVENANCE: 7.4e-8 nu/cm^2/POT (2 figures, +-0.7 %); trapezoid sum of the file."""
    flux = load_flux("numi-me", "fhc", "numu", source="unofficial")
    assert flux.integral() == pytest.approx(7.4e-8, rel=1e-2)
    table = load_table("fluxes/numi/LeptonInjector_tables/ME_FHC_numu.txt")
    assert flux.integral() == pytest.approx(np.trapezoid(table[:, 1], table[:, 0]), rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_bnb_bins_are_bins(mode, flavour):
    """Every bin integral equals the released content per 50 MeV bin, exactly."""
    table = load_table(BNB_FILES[mode])
    flux = load_flux("bnb", mode, flavour)
    content = flux.integral(table[:, 0], table[:, 1])
    # exact up to the rounding of a difference of cumulative sums (1e-15 of the total)
    rounding = 1e-15 * flux.integral()
    assert content == pytest.approx(table[:, BNB_COLUMNS[flavour]], rel=1e-12, abs=rounding)
    centres = 0.5 * (table[:, 0] + table[:, 1])
    mean = np.sum(centres * table[:, BNB_COLUMNS[flavour]]) / table[:, BNB_COLUMNS[flavour]].sum()
    assert flux.mean_energy() == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_numi_le_bins_are_bins(mode, flavour):
    """Bin integral = released content [nu/m^2/POT/0.5 GeV] x 1e-4 [m^2/cm^2], all 200 bins."""
    contents = le_contents(mode, flavour)
    flux = load_flux("numi-le", mode, flavour)
    edges = 0.5 * np.arange(201)
    rounding = 1e-15 * flux.integral()
    assert flux.integral(edges[:-1], edges[1:]) == pytest.approx(
        contents * 1e-4, rel=1e-12, abs=rounding
    )
    centres = edges[:-1] + 0.25
    assert flux.mean_energy() == pytest.approx(np.sum(centres * contents) / contents.sum())


def test_bnb_density_matches_darknews_per_gev_table():
    """DarkNews' MiniBooNE_FHC.dat = official x 20 at bin centres (nu/cm^2/POT/GeV)."""
    table = load_table("fluxes/bnb/MiniBooNE_FHC_perGeV_DarkNews.dat", ncols=7)
    for flavour, column in SEVEN_COLUMNS.items():
        mine = load_flux("bnb", "fhc", flavour).density(table[:, 0])
        assert mine == pytest.approx(table[:, column], rel=1e-9, abs=1e-30), flavour
    leptoninjector = load_table("fluxes/bnb/BNB_numu_flux_LeptonInjector.txt", ncols=2)
    mine = load_flux("bnb", "fhc", "numu").density(leptoninjector[:, 0])
    assert mine == pytest.approx(leptoninjector[:, 1], rel=1e-9, abs=1e-30)


@pytest.mark.parametrize("mode", MODES)
def test_numi_le_density_matches_siren_table_row_by_row(mode):
    """SIREN's NUMI_*_LE.dat row i holds official bin [0.5 i, 0.5 i + 0.5) / 0.5 / 1e4 but
    is labelled E_i = i * 50/99 GeV (~ the lower edge, 1 % mis-scaled grid).

    Our density on bin i (its centre) equals row i for i = 1..99; at the file's own label E_i,
    which lies inside bin i for i <= 98, it does too. A reader who took E_i as the point where
    row i applies would shift the spectrum down by about half a bin: the linear interpolation
    of the rows at the bin centres is off by +78 % at 0.75 GeV and -19 % at 3.75 GeV (FHC
    numu), and the mean energy below 50 GeV drops from 4.31 to 4.14 GeV.
    Row 0 is zero in the SIREN table although the release has flux there (a SIREN defect).
    """
    table = load_table(f"fluxes/numi/siren_NUMI-v1.0/NUMI_{mode.upper()}_LE.dat", skiprows=1)
    labels = table[:, 0]
    assert labels == pytest.approx(np.linspace(0, 50, 100), rel=1e-12)
    rows = np.arange(1, 100)
    centres = 0.5 * rows + 0.25
    for flavour, column in SEVEN_COLUMNS.items():
        flux = load_flux("numi-le", mode, flavour)
        assert flux.density(centres) == pytest.approx(table[rows, column], rel=1e-9, abs=1e-30)
        inside = rows[rows <= 98]
        assert flux.density(labels[inside]) == pytest.approx(table[inside, column], rel=1e-9)
        assert table[0, column] == 0.0
        assert flux.density(0.25) > 0
    numu = load_flux("numi-le", mode, "numu" if mode == "fhc" else "numubar")
    naive = np.interp(centres, labels, table[:, SEVEN_COLUMNS[numu.flavour]])
    assert np.max(np.abs(naive / numu.density(centres) - 1)[:20]) > 0.3


def test_numi_le_density_matches_leptoninjector_lower_edge_tables():
    """Paper-era LeptonInjector tables: E = bin lower edge, flux = official / 0.5 / 1e4."""
    for flavour in FLAVOURS:
        table = load_table(f"fluxes/numi/LeptonInjector_tables/LE_FHC_{flavour}.txt", ncols=2)
        assert table[:, 0] == pytest.approx(0.5 * np.arange(200))
        flux = load_flux("numi-le", "fhc", flavour)
        assert flux.density(table[:, 0] + 0.25) == pytest.approx(table[:, 1], rel=1e-9, abs=1e-30)
        assert flux.density(table[:, 0]) == pytest.approx(table[:, 1], rel=1e-9, abs=1e-30)


# --- medium energy ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_me_darknews_grid_is_the_digitized_curve_in_per_cm2_above_1gev(mode, flavour):
    """NUMI_*_ME.dat = linear interpolation of the raw digitization (nu/m^2/POT/GeV) / 1e4
    on 1-20 GeV and zero below 1 GeV: checks the unit conversion of the raw files and the
    linear representation, and documents why the grid table is not the default."""
    grid = load_flux("numi-me", mode, flavour, source="darknews-grid")
    digitized = load_flux("numi-me", mode, flavour, source="digitized")
    nodes = grid.spectrum.energies
    assert digitized.density(nodes) == pytest.approx(grid.density(nodes), rel=1e-6, abs=1e-25)
    assert grid.density(0.8) == 0.0
    assert digitized.density(0.8) > 0.0
    assert digitized.e_low < 0.65


def test_me_unofficial_tables_agree():
    """The LeptonInjector ME FHC numu table is SIREN's NUMI_FHC_ME_unofficial numu column."""
    siren = load_table("fluxes/numi/siren_NUMI-v1.0/NUMI_FHC_ME_unofficial.dat", skiprows=1)
    flux = load_flux("numi-me", "fhc", "numu")
    assert flux.spectrum.energies == pytest.approx(siren[:, 0], rel=1e-12)
    assert flux.density(siren[:, 0]) == pytest.approx(siren[:, 2], rel=1e-12)


def test_me_defaults():
    defaults = {(b, m, f): s for b, m, f, s, is_default in available_fluxes() if is_default}
    assert len(defaults) == len(BEAMS) * len(MODES) * len(FLAVOURS)
    assert defaults[("numi-me", "fhc", "numu")] == "unofficial"
    assert defaults[("numi-me", "rhc", "numubar")] == "unofficial"
    assert defaults[("numi-me", "fhc", "nue")] == "digitized"
    assert load_flux("numi-me", "fhc", "numu").representation == "piecewise-linear"
    assert load_flux("numi-le", "fhc", "numu").representation == "histogram"


@pytest.mark.parametrize(
    ("mode", "flavour", "source"),
    [("fhc", "numu", "unofficial"), ("rhc", "numubar", "unofficial"), ("fhc", "nue", "digitized")],
)
def test_curve_moments_against_quadrature(mode, flavour, source):
    flux = load_flux("numi-me", mode, flavour, source=source)
    nodes = flux.spectrum.energies
    a, b = 1.234, 9.876
    inside = nodes[(nodes > a) & (nodes < b)]
    reference, _ = integrate.quad(flux.density, a, b, points=inside, limit=500, epsabs=0)
    assert flux.integral(a, b) == pytest.approx(reference, rel=1e-8)
    moment, _ = integrate.quad(lambda e: e * flux.density(e), a, b, points=inside, limit=500)
    assert flux.mean_energy(a, b) == pytest.approx(moment / reference, rel=1e-8)


# --- mean energies against the paper ---------------------------------------------------------


def test_bnb_mean_energy():
    """MiniBooNE: <E_numu> ~ 0.8 GeV (one figure, +-0.05 GeV); exact value 0.808 GeV."""
    assert load_flux("bnb", "fhc", "numu").mean_energy() == pytest.approx(0.8, abs=0.05)


def test_numi_le_energy_scale():
    """Paper Sec. V: LE <E_nu> ~ 3 GeV. The release's median and peak are 3.25 GeV (within
    the +-0.5 GeV of a one-figure statement); its flux-weighted mean, 4.37 GeV, is pulled up
    by the tail to 100 GeV: 3.67 GeV below 14.86 GeV, so the tail explains the difference."""
    flux = load_flux("numi-le", "fhc", "numu")
    assert float(flux.quantile(0.5)) == pytest.approx(3.0, abs=0.5)
    centres = 0.5 * np.arange(200) + 0.25
    assert centres[np.argmax(flux.density(centres))] == pytest.approx(3.0, abs=0.5)
    assert flux.mean_energy(e_max=14.86) == pytest.approx(3.0, rel=0.25)
    assert flux.mean_energy() == pytest.approx(4.37, abs=0.01)


def test_numi_me_energy_scale():
    """Paper Sec. V: ME <E_nu> ~ 7 GeV. The ME tables stop at 14.86 GeV (unofficial FHC
    numu: mean 5.45 GeV). Truncation can only lower the mean; on the LE release the same cut
    lowers it by 0.70 GeV. Adding that shift gives 6.15 GeV: within 15 % of 7 GeV (one-figure
    statement, +-7 %, plus the 5-10 % spread between the two ME digitizations)."""
    me = load_flux("numi-me", "fhc", "numu")
    le = load_flux("numi-le", "fhc", "numu")
    assert me.e_max == pytest.approx(14.86, abs=0.01)
    tail_shift = le.mean_energy() - le.mean_energy(e_max=me.e_max)
    assert 0.5 < tail_shift < 1.0
    assert me.mean_energy() < 7.0
    assert me.mean_energy() + tail_shift == pytest.approx(7.0, rel=0.15)
    # the point of the paper: ME is the higher-energy configuration
    assert me.mean_energy() - le.mean_energy(e_max=me.e_max) > 1.5
    assert float(me.quantile(0.5)) - float(le.quantile(0.5)) > 1.5


# --- sampling --------------------------------------------------------------------------------

SAMPLING_CASES = [
    ("bnb", "fhc", "numu", None, 0.4321),  # inside the bin [0.40, 0.45)
    ("numi-le", "fhc", "numu", None, 2.2),  # inside the bin [2.0, 2.5)
    ("numi-me", "fhc", "numu", "unofficial", 1.37),  # inside a curve segment
    ("numi-me", "rhc", "numubar", "digitized", 0.0),
]


def _fine_edges(flux: Flux, e_min: float) -> np.ndarray:
    """Each bin or segment above e_min split in 3, so the within-bin shape is tested too."""
    spectrum = flux.spectrum
    nodes = spectrum.edges if isinstance(spectrum, HistogramSpectrum) else spectrum.energies
    lower = max(e_min, flux.e_low)
    nodes = nodes[(nodes > lower) & (nodes < flux.e_max)]
    nodes = np.concatenate([[lower], nodes, [flux.e_max]])
    thirds = nodes[:-1, None] + np.diff(nodes)[:, None] * np.array([0, 1 / 3, 2 / 3])
    return np.append(thirds.ravel(), flux.e_max)


@pytest.mark.parametrize(("beam", "mode", "flavour", "source", "e_min"), SAMPLING_CASES)
def test_sample_follows_the_density(beam, mode, flavour, source, e_min):
    """200k fixed-seed draws: chi^2 over sub-bins (expected >= 25 per bin after merging the
    tail) and KS against the exact CDF, both p > 1e-3."""
    flux = load_flux(beam, mode, flavour, source=source)
    n = 200_000
    energies = flux.sample(np.random.default_rng(20230303), n, e_min=e_min)
    assert energies.shape == (n,)
    assert energies.min() > e_min
    assert energies.max() <= flux.e_max
    total = flux.integral(e_min)
    edges = _fine_edges(flux, e_min)
    expected = n * flux.integral(edges[:-1], edges[1:]) / total
    observed = np.histogram(energies, bins=edges)[0]
    keep = np.flatnonzero(expected > 0)
    expected, observed = expected[keep], observed[keep]
    # merge consecutive bins until each has >= 25 expected entries
    groups = np.floor(np.cumsum(expected) / 25.0).astype(int)
    groups = np.minimum(groups, groups[-1] - 1 if groups[-1] > 0 else 0)
    exp_m = np.bincount(groups, weights=expected)
    obs_m = np.bincount(groups, weights=observed)
    mask = exp_m > 0
    chi2 = np.sum((obs_m[mask] - exp_m[mask]) ** 2 / exp_m[mask])
    dof = mask.sum() - 1
    assert dof > 50
    assert stats.chi2.sf(chi2, dof) > 1e-3, (chi2, dof)
    ks = stats.kstest(energies, lambda x: flux.integral(e_min, np.maximum(x, e_min)) / total)
    assert ks.pvalue > 1e-3


@pytest.mark.parametrize(("beam", "mode", "flavour", "source", "e_min"), SAMPLING_CASES)
def test_quantile_is_the_exact_inverse_cdf(beam, mode, flavour, source, e_min):
    flux = load_flux(beam, mode, flavour, source=source)
    q = np.random.default_rng(7).random(1000)
    energies = flux.quantile(q, e_min=e_min)
    reached = flux.integral(e_min, energies) / flux.integral(e_min)
    assert reached == pytest.approx(q, rel=1e-9, abs=1e-12)


def test_sampling_just_below_the_end_of_the_flux():
    flux = load_flux("bnb", "fhc", "numu")
    e_min = flux.e_max - 0.01
    energies = flux.sample(np.random.default_rng(3), 1000, e_min=e_min)
    assert np.all((energies > e_min) & (energies <= flux.e_max))
    assert flux.sample(np.random.default_rng(3), 0).shape == (0,)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("numi", "fhc", "numu"), r"beam 'numi'.*'bnb', 'numi-le', 'numi-me'"),
        (("bnb", "neutrino", "numu"), r"mode 'neutrino'.*'fhc', 'rhc'"),
        (("bnb", "fhc", "nutau"), r"flavour 'nutau'.*'numu', 'numubar', 'nue', 'nuebar'"),
    ],
)
def test_unknown_names_are_rejected_with_the_valid_ones(args, message):
    with pytest.raises(ConfigurationError, match=message):
        load_flux(*args)


def test_unknown_source_is_rejected():
    with pytest.raises(ConfigurationError, match=r"'unofficial'.*'digitized', 'darknews-grid'"):
        load_flux("numi-me", "fhc", "nue", source="unofficial")
    with pytest.raises(ConfigurationError, match="'official'"):
        load_flux("bnb", "fhc", "numu", source="digitized")


def test_names_are_case_insensitive():
    assert load_flux("BNB", "FHC", "NuMu") is load_flux("bnb", "fhc", "numu")


@pytest.mark.parametrize("beam", BEAMS)
def test_threshold_above_the_flux_raises(beam):
    flux = load_flux(beam, "fhc", "numu")
    for e_min in (flux.e_max, flux.e_max + 1.0):
        with pytest.raises(PhysicsDomainError, match="m_N too heavy for this beam"):
            flux.sample(np.random.default_rng(0), 10, e_min=e_min)


def test_bad_arguments_raise_named_errors():
    flux = load_flux("bnb", "fhc", "numu")
    with pytest.raises(ConfigurationError, match="e_min <= e_max"):
        flux.integral(2.0, 1.0)
    with pytest.raises(ConfigurationError, match="Generator"):
        flux.sample(np.random.RandomState(0), 10)  # the legacy API is the error
    with pytest.raises(ConfigurationError, match="integer >= 0"):
        flux.sample(np.random.default_rng(0), -1)
    with pytest.raises(ConfigurationError, match="NaN"):
        flux.density(np.nan)
    with pytest.raises(PhysicsDomainError, match="no flux between"):
        flux.mean_energy(20.0, 30.0)
    with pytest.raises(ConfigurationError, match="increase strictly"):
        HistogramSpectrum([0, 2, 1], [1, 1])
    with pytest.raises(ConfigurationError, match=">= 0"):
        PiecewiseLinearSpectrum([0, 1], [1, -1])
    with pytest.raises(ConfigurationError, match="n \\+ 1 edges"):
        HistogramSpectrum([0, 1], [1, 1])


def test_flux_tables_are_immutable():
    flux = load_flux("bnb", "fhc", "numu")
    with pytest.raises(ValueError, match="read-only"):
        flux.spectrum.density[0] = 1.0
