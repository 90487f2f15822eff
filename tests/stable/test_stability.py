"""Perturbations through many layers (tinynet.stable.stability): only the plain ResNet amplifies them."""

from tinynet.stable.stability import stability_demo


def test_with_64_layers_only_resnet_amplifies_perturbations():
    results = stability_demo(layers=64)
    forward, backward = results.pop("resnet")
    assert forward > 5 and backward > 20
    for kind, (f, b) in results.items():
        assert f < 2 and b < 2, kind
