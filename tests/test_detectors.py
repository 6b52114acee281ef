"""The shipped detector files (MiniBooNE, MINERvA) and the validation of detector TOML files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neutrissimo import GeometryError
from neutrissimo.detector.loader import available_detectors, load_detector

# Paper (arXiv:2206.07100) Table I: target -> (z-location cm, z-extent cm, mass kg).
TABLE_I = {
    "Fe1": (13.6, 2.567, 370),
    "Pb1": (13.6, 2.578, 317),
    "Fe2": (31.3, 2.563, 370),
    "Pb2": (31.3, 2.581, 317),
    "Fe3": (53.4, 2.573, 197),
    "Pb3": (53.4, 2.563, 141),
    "C3": (53.4, 7.620, 194),
    "water": (89.5, 18.06, 530),
    "Pb4": (125.6, 0.795, 263),
    "Fe5": (138.9, 1.289, 186),
    "Pb5": (138.9, 1.317, 162),
}
HEXAGON_92_AREA = 2 * math.sqrt(3) * 92.0**2  # cm^2


@pytest.fixture(scope="module")
def minerva():
    return load_detector("minerva")


@pytest.fixture(scope="module")
def miniboone():
    return load_detector("miniboone")


def test_shipped_detectors_are_listed():
    assert set(available_detectors()) == {"miniboone", "minerva"}


# ---- MINERvA ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TABLE_I)
def test_minerva_target_masses_match_table_one(minerva, target):
    z_location, z_extent, mass_kg = TABLE_I[target]
    volume = minerva.volumes[minerva.volume_index(target)]
    assert volume.shape.z_min == pytest.approx(z_location)
    assert volume.shape.z_max - volume.shape.z_min == pytest.approx(z_extent)
    assert volume.mass_g / 1e3 == pytest.approx(mass_kg, rel=0.03)


@pytest.mark.parametrize(
    "plane", [("Fe1", "Pb1"), ("Fe2", "Pb2"), ("C3", "Fe3", "Pb3"), ("Fe5", "Pb5")]
)
def test_minerva_target_pieces_tile_the_92cm_hexagon(minerva, plane):
    area = sum(minerva.volumes[minerva.volume_index(p)].shape.area_cm2 for p in plane)
    assert area == pytest.approx(HEXAGON_92_AREA, rel=1e-4)
    # no overlaps, and no gaps beyond the 0.1 mm rounding of SIREN's vertices (slivers along
    # the hexagon edges of relative area ~1e-5)
    rng = np.random.default_rng(7)
    shapes = [minerva.volumes[minerva.volume_index(p)].shape for p in plane]
    z = shapes[0].z_min + 0.1
    xy = rng.uniform(-106.232, 106.232, (200_000, 2))
    points = np.column_stack([xy, np.full(len(xy), z)])
    tracker = minerva.volumes[minerva.volume_index("tracker")].shape
    counts = sum(s.contains(points).astype(int) for s in shapes)[tracker.contains(points)]
    assert counts.max() == 1
    assert np.mean(counts == 0) < 1e-4


def test_minerva_fiducial_mass_matches_darknews(minerva):
    # DarkNews' MINERvA experiment files: 6.10 t of CH in the fiducial volume (LE, ME FHC).
    tracker = minerva.volumes[minerva.volume_index("tracker")]
    fiducial_mass_t = minerva.fiducial.volume_cm3 * tracker.material.density / 1e6
    assert fiducial_mass_t == pytest.approx(6.10, rel=0.02)
    # the fiducial volume lies inside the tracker, downstream of the nuclear targets
    rng = np.random.default_rng(3)
    lo, hi = minerva.fiducial.bounding_box()
    points = lo + (hi - lo) * rng.random((20_000, 3))
    inside = points[minerva.fiducial.contains(points)]
    assert np.all(minerva.locate(inside) == minerva.volume_index("tracker"))


def test_minerva_axis_ray_crosses_the_targets_in_order(minerva):
    # At (x, y) = (-50, 0): Fe side of planes 1 and 5, Pb side of plane 2, C side of plane 3.
    origin = np.array([[-50.0, 0.0, -30000.0]])
    seg = minerva.segments(origin, np.array([[0.0, 0.0, 1.0]]))
    names = [
        minerva.volume_names[v]
        for v, length in zip(seg.volume[0], seg.length[0], strict=True)
        if length > 0 and v >= 0
    ]
    expected = [
        "dirt",
        "hall",
        "veto_wall",
        "hall",
        "ecal",
        "tracker",
        "Fe1",
        "tracker",
        "Pb2",
        "tracker",
        "C3",
        "tracker",
        "water",
        "tracker",
        "Pb4",
        "tracker",
        "Fe5",
        "tracker",
        "ecal",
        "hall",
        "dirt",
    ]
    assert names == expected
    lengths = seg.path_lengths()[0]
    for target in ("Fe1", "Pb2", "C3", "water", "Pb4", "Fe5"):
        assert lengths[minerva.volume_index(target)] == pytest.approx(TABLE_I[target][1])
    hall_half_chord = math.sqrt(1000.0**2 - 50.0**2)  # 10 m hall sphere at impact 50 cm
    dirt = (25000.0 - hall_half_chord) + (5000.0 - hall_half_chord)
    assert lengths[minerva.volume_index("dirt")] == pytest.approx(dirt)
    assert lengths[minerva.volume_index("veto_wall")] == pytest.approx(7.5)
    assert lengths[minerva.volume_index("ecal")] == pytest.approx(0.56)  # the two 2.8 mm caps


# ---- MiniBooNE --------------------------------------------------------------------------------


def test_miniboone_detector_mass_and_dirt(miniboone):
    # Paper Sec. IV.A: 818 t of CH2 in the 6.1 m sphere; 541 m of dirt; 9 m hall; 5 m fiducial.
    detector = miniboone.volumes[miniboone.volume_index("detector")]
    assert detector.mass_g / 1e6 == pytest.approx(818.0, rel=0.03)
    seg = miniboone.segments(np.array([[0.0, 0.0, -60000.0]]), np.array([[0.0, 0.0, 1.0]]))
    first_segments = [
        (miniboone.volume_names[v], length)
        for v, length in zip(seg.volume[0], seg.length[0], strict=True)
        if length > 0 and v >= 0
    ][:3]
    assert [name for name, _ in first_segments] == ["dirt", "hall", "detector"]
    assert first_segments[0][1] == pytest.approx(54100.0)  # 541 m up to the hall
    assert first_segments[1][1] == pytest.approx(290.0)
    assert miniboone.fiducial.volume_cm3 == pytest.approx(4 / 3 * math.pi * 500.0**3)


def test_miniboone_materials(miniboone):
    oil = miniboone.volumes[miniboone.volume_index("detector")].material
    assert oil.nuclei == ("H1", "C12")
    assert oil.mass_fractions[0] == pytest.approx(2 * 1.008 / 14.027, rel=2e-3)  # CH2
    # PDG polyethylene X0 = 44.77 g/cm^2
    assert oil.radiation_length_g == pytest.approx(44.77, rel=3e-3)


def test_load_by_path_gives_the_same_detector(tmp_path, minerva):
    path = tmp_path / "copy.toml"
    source = Path(__file__).parents[1] / "src/neutrissimo/detector/minerva-detector.toml"
    path.write_text(source.read_text())
    copy = load_detector(path)
    assert copy.volume_names == minerva.volume_names
    assert np.array_equal(copy.number_density, minerva.number_density)
    assert copy.source == str(path)


# ---- malformed files --------------------------------------------------------------------------

GOOD = """
name = "Toy"

[materials.WATER]
density = 1.0
composition = { H1 = 0.1119, O16 = 0.8881 }

[materials.LEAD]
density = 11.35
composition = { Pb208 = 1.0 }

[[volumes]]
name = "tank"
material = "WATER"
priority = 1
shape = "cylinder"
center = [0.0, 0.0, 0.0]
radius = 100.0
half_length = 50.0

[[volumes]]
name = "plate"
material = "LEAD"
priority = 2
shape = "extruded_polygon"
vertices = [[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]]
z_min = 0.0
z_max = 1.0

[fiducial]
shape = "sphere"
center = [0.0, 0.0, 0.0]
radius = 40.0
"""

BAD_CASES = {
    "unknown shape": (
        ('shape = "cylinder"', 'shape = "cylindre"'),
        "tank",
        "unknown shape 'cylindre'",
    ),
    "missing density": (("density = 11.35\n", ""), "plate", "missing key 'density'"),
    "equal priority overlap": (("priority = 2", "priority = 1"), "plate", "overlaps volume 'tank'"),
    "fractions": (("O16 = 0.8881", "O16 = 0.8"), "tank", "sum to 0.9119"),
    "unknown nucleus": (("Pb208 = 1.0", "Pb999 = 1.0"), "plate", "Unknown nucleus 'Pb999'"),
    "negative size": (
        ("radius = 100.0", "radius = -100.0"),
        "tank",
        "radius = -100.0: must be > 0",
    ),
    "non-convex": (
        ("[10.0, 10.0], [-10.0, 10.0]", "[10.0, 10.0], [0.0, 0.0], [-10.0, 10.0]"),
        "plate",
        "not convex",
    ),
    "unknown material": (
        ('material = "LEAD"', 'material = "LED"'),
        "plate",
        "unknown material 'LED'",
    ),
    "typo in key": (
        ("half_length = 50.0", "half_lenght = 50.0"),
        "tank",
        "unknown key 'half_lenght'",
    ),
    "empty z extent": (("z_max = 1.0", "z_max = -1.0"), "plate", "z extent must be positive"),
    "not a number": (
        ("radius = 100.0", 'radius = "big"'),
        "tank",
        "radius = 'big': must be a number",
    ),
}


def test_good_file_loads(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(GOOD)
    det = load_detector(path)
    assert det.volume_names == ("tank", "plate")


@pytest.mark.parametrize("case", BAD_CASES)
def test_malformed_file_names_file_volume_and_problem(tmp_path, case):
    (old, new), volume, problem = BAD_CASES[case]
    assert old in GOOD
    path = tmp_path / "bad_detector.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(GeometryError) as info:
        load_detector(path)
    message = str(info.value)
    assert str(path) in message
    assert f"'{volume}'" in message
    assert problem in message


def test_toml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace("radius = 40.0", "radius = = 40.0"))
    with pytest.raises(GeometryError, match=r"broken\.toml: not valid TOML.*line"):
        load_detector(path)


def test_missing_fiducial_and_unknown_detector(tmp_path):
    path = tmp_path / "nofid.toml"
    path.write_text(GOOD[: GOOD.index("[fiducial]")])
    with pytest.raises(GeometryError, match=r"nofid\.toml.*missing key 'fiducial'"):
        load_detector(path)
    with pytest.raises(GeometryError, match=r"Unknown detector 'superk'.*miniboone"):
        load_detector("superk")
