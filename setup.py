"""Maps the root folders (ck/, runtime/, models/, adapters/, apps/) to meshkit.<folder>.

pyproject.toml cannot list sub-packages under a renamed root, so they are found here.
`meshkit` itself is an implicit namespace package.
"""

from pathlib import Path

from setuptools import setup

ROOTS = ("ck", "runtime", "models", "adapters", "apps")
HERE = Path(__file__).parent


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for root in ROOTS:
        package_dir[f"meshkit.{root}"] = root
        for init in sorted((HERE / root).rglob("__init__.py")):
            rel = init.parent.relative_to(HERE)
            packages.append("meshkit." + ".".join(rel.parts))
    return packages, package_dir


packages, package_dir = _packages()
setup(packages=packages, package_dir=package_dir)
