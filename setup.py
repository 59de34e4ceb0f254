"""Compute the package list for the ``tunespec`` distribution.

``tunespec`` itself is a namespace package: there is no ``tunespec/`` folder.

The four top-level folders install as ``tunespec.spec``, ``tunespec.compiler``,
``tunespec.linters`` and ``tunespec.trainer`` through ``package-dir`` mapping;
everything else lives in ``pyproject.toml``.
"""

from __future__ import annotations

from setuptools import find_namespace_packages, setup

FOLDERS = ("spec", "compiler", "linters", "trainer")

packages: list[str] = []
package_dir: dict[str, str] = {}
for folder in FOLDERS:
    packages.append(f"tunespec.{folder}")
    package_dir[f"tunespec.{folder}"] = folder
    for sub in find_namespace_packages(where=folder, exclude=("*.__pycache__",)):
        packages.append(f"tunespec.{folder}.{sub}")
        package_dir[f"tunespec.{folder}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
