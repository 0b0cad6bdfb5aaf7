"""Every collection the repository's YAML uses is declared where it is installed from.

An execution environment (execution-environment.yml), an AWX project sync
(collections/requirements.yml), ``ansible-galaxy collection install -r
requirements.yml`` and an installation of bluegreen.aws from Galaxy (galaxy.yml
``dependencies``) only have the collections they list: a task whose module comes
from an undeclared collection fails there with "couldn't resolve module/action",
even though it works with the full ``ansible`` package of ``make test``.

Read statically, without running anything: every task, playbook, role, handler,
packer playbook, molecule scenario and awx playbook is parsed; every FQCN is
collected from task keys (modules), ``module_defaults`` groups, role names,
``connection`` values and Jinja expressions (filters, tests, lookups); each must
be ``ansible.builtin``, this collection, or a declared collection, and each module
must exist in the installed collection (so a typo is caught too).
"""

import pathlib
import re

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
THIS = "bluegreen.aws"
FQCN = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_.]*)$")
# In strings (Jinja expressions, role names, connection values).
FQCN_IN_TEXT = re.compile(r"(?<![\w.\-/])([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_]*)(?![\w\-])")
# Where a key is not a module even though it looks like one.
NOT_TASK_KEYS = {"vars", "module_defaults", "environment", "tags", "loop", "with_items", "args"}

# What must be declared, by where the YAML runs.
EE_RUN = ["site.yml", "deploy.yml", "switch.yml", "playbooks", "roles", "packer/playbooks", "extensions/molecule"]
AWX_ADMIN = ["awx"]


def installed_root():
    import ansible_collections

    return [pathlib.Path(p) for p in ansible_collections.__path__]


def yaml_files(entries):
    for entry in entries:
        path = REPO / entry
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.yml") if "templates" not in p.parts and "files" not in p.parts)


def walk(node, path=()):
    """(keys path, node) for every dict and string in a YAML document."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for value in node:
            yield from walk(value, path)


def is_collection(namespace, name):
    return f"{namespace}.{name}" in (THIS, "ansible.builtin") or any((root / namespace / name).is_dir() for root in installed_root())


def used(path):
    """{collection: {fqcn: kind}} used by one YAML file."""
    found = {}

    def add(namespace, name, plugin, kind):
        found.setdefault(f"{namespace}.{name}", {})[f"{namespace}.{name}.{plugin}"] = kind

    for document in yaml.safe_load_all(path.read_text()):
        for keys, node in walk(document):
            if isinstance(node, dict):
                task_like = not (set(keys) & NOT_TASK_KEYS)
                for key in node:
                    if not isinstance(key, str):
                        continue
                    match = FQCN.match(key.removeprefix("group/"))
                    if match and task_like and not key.startswith("group/"):
                        add(*match.groups(), "module")
                    elif match and key.startswith("group/"):
                        add(*match.groups(), "action group")
            elif isinstance(node, str):
                for match in FQCN_IN_TEXT.finditer(node):
                    if is_collection(match.group(1), match.group(2)):
                        add(*match.groups(), "reference")
    return found


def declared():
    def names(document):
        return {c["name"] for c in document["collections"]}

    requirements = names(yaml.safe_load((REPO / "requirements.yml").read_text()))
    project = names(yaml.safe_load((REPO / "collections/requirements.yml").read_text()))
    ee = {c["name"] for c in yaml.safe_load((REPO / "execution-environment.yml").read_text())["dependencies"]["galaxy"]["collections"]}
    galaxy = set(yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"])
    return {"requirements.yml": requirements, "collections/requirements.yml": project,
            "execution-environment.yml": ee, "galaxy.yml dependencies": galaxy}


def module_exists(fqcn):
    namespace, name, plugin = fqcn.split(".", 2)
    if f"{namespace}.{name}" == THIS:
        roots = [REPO]
    elif fqcn.startswith("ansible.builtin."):
        import ansible

        base = pathlib.Path(ansible.__file__).parent
        return any((base / d / (plugin + ext)).is_file() for d in ("modules", "plugins/action") for ext in (".py",))
    else:
        roots = [root / namespace / name for root in installed_root() if (root / namespace / name).is_dir()]
    for root in roots:
        if any((root / "plugins/modules" / (plugin + ext)).is_file() for ext in (".py", ".ps1")):
            return True
        runtime = root / "meta/runtime.yml"
        if runtime.is_file():
            routing = (yaml.safe_load(runtime.read_text()) or {}).get("plugin_routing", {}).get("modules", {})
            if plugin in routing:
                return True
    return False


def collect(entries):
    out = {}
    for path in yaml_files(entries):
        for collection, fqcns in used(path).items():
            for fqcn, kind in fqcns.items():
                out.setdefault(collection, {}).setdefault(fqcn, (str(path.relative_to(REPO)), kind))
    return out


@pytest.mark.parametrize("where", ["requirements.yml", "collections/requirements.yml", "execution-environment.yml",
                                   "galaxy.yml dependencies"])
def test_every_collection_the_playbooks_and_roles_use_is_declared(where):
    used_here = collect(EE_RUN)
    missing = {
        collection: sorted(fqcns.items())[:3]
        for collection, fqcns in used_here.items()
        if collection not in ("ansible.builtin", THIS) and collection not in declared()[where]
    }
    assert not missing, f"collections used but not declared in {where}: {missing}"


def test_the_awx_playbook_collections_are_declared():
    used_here = collect(AWX_ADMIN)
    assert "awx.awx" in used_here, "the scan found no awx.awx task: it is broken"
    missing = sorted(c for c in used_here if c not in ("ansible.builtin", THIS) and c not in declared()["requirements.yml"])
    assert not missing, f"awx/ uses collections requirements.yml does not declare: {missing}"


def test_the_scan_finds_what_is_known_to_be_used():
    """Guard against a scan that finds nothing (and so passes)."""
    used_here = collect(EE_RUN)
    assert "community.windows.win_firewall_rule" in used_here["community.windows"]
    assert "community.windows.win_unzip" in used_here["community.windows"]
    assert "community.general.archive" in used_here["community.general"]
    assert "microsoft.iis.website" in used_here["microsoft.iis"]
    assert used_here[THIS]["bluegreen.aws.aws"][1] == "action group"  # module_defaults
    assert "bluegreen.aws.windows_web" in used_here[THIS]  # a role name


def test_every_module_used_exists_in_its_collection():
    missing = []
    for entries in (EE_RUN, AWX_ADMIN):
        for fqcns in collect(entries).values():
            for fqcn, (path, kind) in fqcns.items():
                if kind == "module" and not module_exists(fqcn):
                    missing.append(f"{path}: {fqcn}")
    assert not missing, missing


def test_declared_ranges_agree():
    """requirements.yml and the AWX project file name the same ranges; galaxy.yml's
    ranges for the collections it shares with requirements.yml are the same."""
    requirements = {c["name"]: c["version"] for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]}
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    assert {k: requirements[k] for k in galaxy} == galaxy
