"""The step-through of any stable network (stable_data): ResNet, antisymmetric, Hamiltonian and leapfrog, with or
without an opening layer and a regularisation; every number a fresh trace's, and says where it comes from."""

import numpy as np
import pytest
from stepthrough_checks import check_code_lines, check_fresh, check_why
from test_stepthrough_data import STEPS

import tinynet
from tinynet.stable.schemes import Antisymmetric, Hamiltonian, Leapfrog, ResNet
from tinynet.teach.stepthrough.stable import resnet_example, stable_data


def sample(net, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, net.inputs), np.eye(net.classes)[1]


NETS = {
    "example": resnet_example,
    "resnet 3x5, 3 classes": lambda: (ResNet(3, 3, width=3, layers=5, h=0.3, seed=1), *sample(ResNet(3, 3))),
    "antisymmetric": lambda: (Antisymmetric(2, 3, width=4, layers=3, gamma=0.1, seed=2), *sample(ResNet(2, 3))),
    "opening": lambda: (
        ResNet(6, 3, width=4, layers=2, activation="relu", opening=True, seed=3),
        *sample(ResNet(6, 3)),
    ),
    "width 20 (strips)": lambda: (ResNet(5, 4, width=20, layers=3, seed=4), *sample(ResNet(5, 4))),
    "antisymmetric, opening, width 20": lambda: (
        Antisymmetric(30, 10, width=20, layers=2, opening=True, seed=5),
        *sample(ResNet(30, 10)),
    ),
    "hamiltonian": lambda: (Hamiltonian(2, 3, width=3, layers=4, h=0.2, seed=0), *sample(ResNet(2, 3))),
    "hamiltonian, opening": lambda: (
        Hamiltonian(5, 3, width=3, layers=3, h=0.3, opening=True, seed=6),
        *sample(ResNet(5, 3)),
    ),
    "hamiltonian, width 20 (strips)": lambda: (Hamiltonian(4, 3, width=20, layers=2, seed=7), *sample(ResNet(4, 3))),
    "leapfrog": lambda: (Leapfrog(2, 3, width=3, layers=4, h=0.3, seed=8), *sample(ResNet(2, 3))),
    "leapfrog, one layer": lambda: (Leapfrog(2, 2, width=2, layers=1, h=0.5, seed=9), *sample(ResNet(2, 2))),
    "leapfrog, opening": lambda: (
        Leapfrog(5, 3, width=4, layers=3, h=0.3, activation="relu", opening=True, seed=10),
        *sample(ResNet(5, 3)),
    ),
    "resnet, regularised": lambda: (
        ResNet(2, 3, width=3, layers=3, h=0.4, alpha_f=0.2, alpha_c=0.1, seed=11),
        *sample(ResNet(2, 3)),
    ),
    "resnet, alpha_c only": lambda: (ResNet(2, 2, width=2, layers=1, alpha_c=0.3, seed=12), *sample(ResNet(2, 2))),
    "antisymmetric, alpha_f only": lambda: (
        Antisymmetric(2, 2, width=3, layers=3, alpha_f=0.5, gamma=0.1, seed=13),
        *sample(ResNet(2, 2)),
    ),
    "hamiltonian, regularised, opening": lambda: (
        Hamiltonian(4, 2, width=3, layers=3, alpha_f=0.1, alpha_c=0.2, opening=True, seed=14),
        *sample(ResNet(4, 2)),
    ),
    "leapfrog, regularised": lambda: (
        Leapfrog(2, 2, width=2, layers=3, alpha_f=0.3, alpha_c=0.05, seed=15),
        *sample(ResNet(2, 2)),
    ),
}


@pytest.fixture(scope="module", params=sorted(NETS))
def case(request):
    net, x, y = NETS[request.param]()
    return net, x, y, stable_data(net, x, y)


def test_the_docs_example_has_its_steps():
    data = stable_data()
    assert [s["id"] for s in data["steps"]] == STEPS["resnet"]
    assert data["name"] == "resnet" and data["kind"] == "stable"
    net, x, y = resnet_example()
    assert data == stable_data(net, x, y, title=data["title"])


def test_every_number_is_a_fresh_traces(case):
    net, x, y, data = case
    check_fresh(net, x, y, data)


def test_every_number_says_where_it_comes_from(case):
    *_, data = case
    assert check_why(data) >= sum(len(p["values"]) for s in data["steps"] for p in s["parts"])


def test_step_ids_are_unique_and_every_step_is_complete(case):
    *_, data = case
    ids = [s["id"] for s in data["steps"]]
    assert len(set(ids)) == len(ids)
    assert {s["phase"] for s in data["steps"]} == {"input", "forward", "cost", "backward"}
    for s in data["steps"]:
        assert s["tex"] and s["code"] and s["parts"], s["id"]


def test_code_lines_are_tinynets_own(case):
    check_code_lines(case[-1])


def test_the_drawing_fits_and_wide_layers_are_strips(case):
    net, _, _, data = case
    scene = data["scene"]
    assert scene["width"] <= 1200 and scene["height"] <= 700
    assert bool(scene["maps"]) == (net.n > 16 or net.inputs > 16)
    for s in data["steps"]:
        for p in s["parts"]:
            if p["target"]["type"] == "maps":
                assert p.get("labels"), (s["id"], p["name"])
    ends = {u["id"] for u in scene["units"]}
    assert all(e["from"] in ends and e["to"] in ends for e in scene["edges"])


def test_the_opening_layer_is_drawn():
    net, x, y = NETS["opening"]()
    ids = [s["id"] for s in stable_data(net, x, y)["steps"]]
    assert ids[1:3] == ["z_in", "a_in"] and ids[-3:] == ["delta_in", "dK_in", "db_in"]


def test_a_saved_and_loaded_model_draws_the_same(tmp_path):
    for key in ("antisymmetric", "opening", "hamiltonian", "leapfrog, opening", "hamiltonian, regularised, opening"):
        net, x, y = NETS[key]()
        tinynet.save(net, tmp_path / "net.npz")
        assert stable_data(tinynet.load(tmp_path / "net.npz"), x, y) == stable_data(net, x, y), key


def test_a_hamiltonian_draws_z_between_the_layers():
    net, x, y = NETS["hamiltonian"]()
    data = stable_data(net, x, y)
    ids = [s["id"] for s in data["steps"]]
    assert ids[1:5] == ["zZ1", "Z1", "zY1", "a1"]
    assert ids[-6:] == ["deltaY1", "dZ1", "deltaZ1", "dK1", "db1", "dY0"]
    units = {u["id"] for u in data["scene"]["units"]}
    assert {f"h{j}_{i}" for j in range(net.N) for i in range(net.n)} <= units


def test_the_regularisation_is_its_own_steps():
    net, x, y = NETS["resnet, regularised"]()
    data = stable_data(net, x, y)
    ids = [s["id"] for s in data["steps"]]
    assert ids[ids.index("cost") + 1] == "R" and ids[-2:] == ["dR", "dC"]
    t = net.trace(x, y)
    E, R, C = (data["steps"][ids.index(i)]["parts"][k]["values"][0] for i, k in (("cost", 0), ("R", 0), ("R", 1)))
    assert C == t.C == pytest.approx(E + R) and R == pytest.approx(net.regularisation()) and R > 0
    total = {p["name"]: p for p in data["steps"][-1]["parts"]}
    assert set(total) == {f"∂C/∂{k}<sub>{j}</sub>" for k in "Kb" for j in range(3)} | {"∂C/∂W"}


def test_what_is_not_a_stable_network_is_a_clear_error():
    with pytest.raises(ValueError, match="stable network"):
        stable_data(tinynet.NeuralNetwork([2, 3, 2]), [0.1, 0.2], [1.0, 0.0])
