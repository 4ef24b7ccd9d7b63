"""Only here to install the top-level resources/ folder as the package ganstudio.resources
(pyproject.toml's packages.find cannot see a folder outside ganstudio/)."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["ganstudio", "ganstudio.*"]) + ["ganstudio.resources"])
