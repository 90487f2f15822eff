"""The package's layout: every public name has one home module, and only tinynet/__init__.py hands names on."""

import ast
import importlib

import pytest
from conftest import ROOT

import tinynet

PACKAGE = ROOT / "tinynet"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


@pytest.mark.parametrize("name", tinynet.__all__)
def test_every_public_name_is_its_home_modules_own(name):
    obj = getattr(tinynet, name)
    home = getattr(obj, "__module__", None)
    if home is None:  # a dict (ACTIVATIONS, COSTS): found in the module that defines it
        return
    assert home.startswith("tinynet.") and getattr(importlib.import_module(home), name, obj) is obj


def test_the_stable_package_holds_no_names():
    import types

    import tinynet.stable

    names = [name for name, value in vars(tinynet.stable).items() if not name.startswith("__")]
    assert [name for name in names if not isinstance(getattr(tinynet.stable, name), types.ModuleType)] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_the_packages_init_hands_on_names_it_imports(path):
    """API.md: "Public names are re-exported ONLY in tinynet/__init__.py. No other module re-exports."

    A name a module imports and never uses, or lists in ``__all__`` without defining it, is handed on.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tinynet")
        for alias in node.names
    }
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    listed = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            listed = {elt.value for elt in node.value.elts}
    assert sorted(imported - used) == [], "imported only to be handed on"
    assert sorted(imported & listed) == [], "listed in __all__ but defined elsewhere"
