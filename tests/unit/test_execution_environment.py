"""The execution environment (execution-environment.yml) and the AWX project requirements.

No container engine and no registry are used: ``ansible-builder create`` writes
the build context (Containerfile, requirements, the collection tarball) into a
temporary directory, and the test reads it back. The pins must match what
``make test`` runs: requirements.txt (ansible-core, boto3, botocore, pywinrm),
the collections bundled in the ansible package of requirements.txt, and the
ranges of requirements.yml and galaxy.yml.
"""

import importlib
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements
from packaging.requirements import Requirement

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
EE = yaml.safe_load((REPO / "execution-environment.yml").read_text())
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
# The collections of requirements.yml but awx.awx (awx/configure.yml runs where AWX
# is administered, not in the execution environment).
COLLECTIONS = ["amazon.aws", "community.aws", "ansible.windows", "microsoft.iis", "community.windows", "community.general"]
PYTHON_PACKAGES = ["boto3", "botocore", "pywinrm"]


def runtime_pins():
    """name -> exact version, from requirements.txt."""
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            pins[requirement.name.lower()] = str(requirement.specifier).removeprefix("==")
    return pins


def ee_collections():
    return {c["name"]: c for c in EE["dependencies"]["galaxy"]["collections"]}


def installed_collection_version(name):
    """The version of a collection bundled in the installed ansible package."""
    namespace, collection = name.split(".")
    for root in importlib.import_module("ansible_collections").__path__:
        manifest = pathlib.Path(root) / namespace / collection / "MANIFEST.json"
        if manifest.is_file():
            return yaml.safe_load(manifest.read_text())["collection_info"]["version"]
    raise AssertionError(f"{name} is not installed")


def test_schema_version_and_core():
    assert EE["version"] == 3
    assert EE["dependencies"]["ansible_core"]["package_pip"] == f"ansible-core=={runtime_pins()['ansible-core']}"


@pytest.mark.parametrize("package", PYTHON_PACKAGES)
def test_python_packages_pinned_as_requirements_txt(package):
    pinned = {Requirement(r).name.lower(): r for r in EE["dependencies"]["python"]}
    assert pinned[package] == f"{package}=={runtime_pins()[package]}"


@pytest.mark.parametrize("name", COLLECTIONS)
def test_collections_pinned_to_the_tested_versions(name):
    """Exactly the version `make test` runs, and inside the requirements.yml / galaxy.yml ranges."""
    version = ee_collections()[name]["version"].removeprefix("==")
    assert version == installed_collection_version(name)
    ranges = {c["name"]: c["version"] for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]}
    assert meets_requirements(version, ranges[name]), (name, version, ranges[name])
    # Every collection the EE holds is a dependency of bluegreen.aws (its roles and playbooks use it).
    assert meets_requirements(version, GALAXY["dependencies"][name]), (name, version, GALAXY["dependencies"])


def test_the_ee_holds_requirements_yml_but_awx_awx():
    ranges = [c["name"] for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]]
    assert [name for name in ranges if name != "awx.awx"] == COLLECTIONS
    assert list(ee_collections())[: len(COLLECTIONS)] == COLLECTIONS


def test_this_collection_comes_from_its_tarball():
    tarball = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert ee_collections()[f"collections/{tarball}"]["type"] == "file"
    assert [f["src"] for f in EE["additional_build_files"]] == [tarball]


def test_project_requirements_match_requirements_yml():
    """AWX installs collections/requirements.yml on project sync: the same collections and ranges."""
    project = yaml.safe_load((REPO / "collections" / "requirements.yml").read_text())
    assert project == yaml.safe_load((REPO / "requirements.yml").read_text())
    # The in-place checkout (ansible.cfg collections_path) still resolves bluegreen.aws.
    link = REPO / "collections" / "ansible_collections" / "bluegreen" / "aws"
    assert link.is_symlink() and link.resolve() == REPO


def test_ansible_builder_create_writes_the_build_context(tmp_path):
    """`ansible-builder create` offline: Containerfile and requirements name every dependency."""
    builder = shutil.which("ansible-builder", path=str(BIN))
    assert builder, "ansible-builder is not installed (requirements-test.txt)"
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    shutil.copy(REPO / "execution-environment.yml", tmp_path)
    result = subprocess.run(
        [builder, "create", "--file", "execution-environment.yml", "--context", "context", "--output-filename", "Containerfile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    assert f"ansible-core=={runtime_pins()['ansible-core']}" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    names = [c["name"] for c in galaxy["collections"]]
    tarball = f"collections/{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert names == COLLECTIONS + [tarball]
    # The tarball is in the context, where the galaxy step (WORKDIR /build) finds it.
    assert (context / "_build" / tarball).stat().st_size > 0
    python = (context / "_build" / "requirements.txt").read_text().split()
    assert python == [f"{p}=={runtime_pins()[p]}" for p in PYTHON_PACKAGES]
