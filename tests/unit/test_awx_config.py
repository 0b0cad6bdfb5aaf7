"""Offline validation of the AWX configuration as code (awx/).

AWX cannot run here, so this test checks what would make ``ansible-playbook
awx/configure.yml`` or a job launched from it fail, without a controller:

* **Every awx.awx task and every item it loops over, against the module's own
  argument spec.** The spec is not copied from the docs: it is captured from the
  installed awx.awx collection by running the module's ``main()`` with
  ``AnsibleModule.__init__`` replaced by a function that raises with the
  ``argument_spec`` (and ``mutually_exclusive``/``required_if``/... keyword
  arguments) it receives. Every awx.awx module builds its argument spec in
  ``main()`` and hands it to ``ControllerAPIModule`` (or ``ControllerAWXKitModule``),
  whose ``ControllerModule.__init__`` merges in the connection options
  (``controller_host``, ...) and then calls ``AnsibleModule.__init__``; so the
  captured spec is exactly the one the module validates against at run time,
  including the connection options, and nothing touches the network (the
  exception is raised before any config file is read or any request is made).
  This survives changes in the collection's class layout, as long as the
  module ends up in ``AnsibleModule``. Items are then checked with ansible-core's
  own ``ArgumentSpecValidator`` (unknown options, types, choices, required,
  mutually exclusive), after applying configure.yml's ``item.x | default(...)``
  mapping, so an item key that configure.yml does not pass (silently dropped)
  is an error too.
* **Workflow nodes**, which the module takes as ``list`` of ``dict`` without a
  spec, against the suboptions its DOCUMENTATION declares, plus the graph:
  unique identifiers, links to existing nodes, job templates that exist.
* **Surveys**: AWX's survey fields and types; the switch template keeps a
  required ``color`` multiple choice of exactly the colors ``playbooks/switch.yml``
  accepts, and an optional integer ``weight`` from 0 to 100.
* **Discoverability of the playbooks** by AWX: each playbook a template names
  exists, is outside the directories AWX skips, has a line AWX's own pattern
  accepts (``hosts:``, ``import_playbook:``, ``include:``), and every play has
  ``hosts`` (or imports a playbook that does).
* **No secret in the repository**: credential inputs are templates only.

The negative tests mutate a deep copy of the configuration and show that each
check fails, naming the bad value.
"""

import copy
import importlib
import pathlib
import re

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = pathlib.Path(__file__).resolve().parents[2]
AWX = REPO / "awx"

# AWX's playbook discovery (awx/main/utils/ansible.py): a file is offered as a
# playbook when one of its lines matches this, and it is not in a skipped directory.
AWX_PLAYBOOK_RE = re.compile(r"^\s*?-?\s*?(?:hosts|include|import_playbook):\s*?.*?$")
AWX_SKIPPED_DIRS = {"roles", "tasks", "group_vars", "host_vars"}
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}

# Playbooks other work adds to the repository; their job templates already
# point at them. Until they exist the existence check skips them, naming the file.
# --- loading -----------------------------------------------------------------


def load_config():
    """configure.yml's tasks and every variable of its vars_files."""
    playbook = yaml.safe_load((AWX / "configure.yml").read_text())
    variables = {}
    for play in playbook:
        for name in play.get("vars_files", []):
            variables.update(yaml.safe_load((AWX / name).read_text()))
    tasks = [task for play in playbook for task in play.get("tasks", [])]
    return {"tasks": tasks, "vars": variables}


class _Captured(Exception):
    def __init__(self, argument_spec, kwargs):
        super().__init__("argument spec captured")
        self.argument_spec = argument_spec
        self.kwargs = kwargs


_SPECS = {}


def module_spec(fqcn):
    """(argument_spec, validator keyword arguments) of an awx.awx module, from its code."""
    if fqcn not in _SPECS:
        namespace, collection, name = fqcn.split(".")
        module = importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")

        def capture(self, argument_spec, **kwargs):
            raise _Captured(argument_spec, kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(basic.AnsibleModule, "__init__", capture)
            try:
                module.main()
            except _Captured as captured:
                extra = {
                    key: captured.kwargs[key]
                    for key in ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
                    if captured.kwargs.get(key)
                }
                _SPECS[fqcn] = (captured.argument_spec, extra, yaml.safe_load(module.DOCUMENTATION))
            else:  # pragma: no cover - a module that never builds an AnsibleModule
                raise AssertionError(f"{fqcn}: main() returned without creating its AnsibleModule")
    return _SPECS[fqcn]


def option_names(spec):
    names = set(spec)
    for option in spec.values():
        names.update(option.get("aliases", []))
    return names


def doc_to_spec(options):
    """An argument spec from DOCUMENTATION options (for the workflow node suboptions)."""
    spec = {}
    for name, doc in options.items():
        option = {key: doc[key] for key in ("type", "elements", "choices", "required", "aliases") if key in doc}
        if "suboptions" in doc:
            option["options"] = doc_to_spec(doc["suboptions"])
        spec[name] = option
    return spec


# --- configure.yml: task arguments and the items they loop over -------------

_ITEM_ARG = re.compile(r"^\{\{\s*item\.(\w+)\s*(?:\|\s*default\((.*)\))?\s*\}\}$")


def render_item(arguments, item):
    """The module arguments configure.yml passes for one item (templates in values stay as they are)."""
    params = {}
    for option, value in arguments.items():
        match = _ITEM_ARG.match(str(value))
        if not match:
            params[option] = value
            continue
        key, default = match.groups()
        if key in item:
            params[option] = item[key]
        elif default is None:
            raise KeyError(key)
        elif default.strip() != "omit":
            params[option] = yaml.safe_load(default)
    return params


def check_tasks(config):
    """Problems with the awx.awx tasks of configure.yml and the lists they loop over."""
    problems = []
    variables = config["vars"]
    for task in config["tasks"]:
        modules = [key for key in task if key.startswith("awx.awx.")]
        if not modules:
            continue
        fqcn = modules[0]
        spec, extra, _doc = module_spec(fqcn)
        arguments = task[fqcn]
        where = f"configure.yml task {task.get('name')!r} ({fqcn})"
        for option in sorted(set(arguments) - option_names(spec)):
            problems.append(f"{where}: {option!r} is not an option of {fqcn}")
        if not task.get("loop"):
            continue
        list_name = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", task["loop"]).group(1)
        passed = {m.group(1) for m in map(_ITEM_ARG.match, map(str, arguments.values())) if m}
        items = variables.get(list_name)
        if not isinstance(items, list) or not items:
            problems.append(f"{where}: {list_name} is not a non-empty list")
            continue
        for index, item in enumerate(items):
            label = f"{list_name}[{index}] ({item.get('name', '?')})"
            for key in sorted(set(item) - passed):
                if key in option_names(spec):
                    problems.append(f"{label}: {key!r} is an option of {fqcn} but configure.yml does not pass it")
                else:
                    problems.append(f"{label}: {key!r} is not an option of {fqcn}")
            try:
                params = render_item(arguments, item)
            except KeyError as missing:
                problems.append(f"{label}: lacks {missing.args[0]!r}, which configure.yml requires")
                continue
            result = ArgumentSpecValidator(spec, **extra).validate(params)
            problems.extend(f"{label}: {message}" for message in result.error_messages if "Supported parameters" not in message)
    return problems


# --- what the lists refer to ----------------------------------------------


def resolve(value, variables):
    """A value with its `{{ var }}` references to plain variables replaced (one level, as in awx/vars)."""
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(variables.get(m.group(1), m.group(0))), str(value))


def check_references(config):
    """Names that must exist elsewhere in the configuration, and no literal secret."""
    problems = []
    v = config["vars"]
    names = {
        kind: {resolve(item["name"], v) for item in v.get(f"controller_{kind}", [])}
        for kind in ("credentials", "projects", "inventories", "execution_environments", "templates", "workflows")
    }

    def need(kind, value, where):
        if resolve(value, v) not in names[kind]:
            problems.append(f"{where}: {kind[:-1].replace('_', ' ')} {resolve(value, v)!r} is not defined in awx/vars")

    for credential in v["controller_credentials"]:
        for field, value in (credential.get("inputs") or {}).items():
            if field in ("password", "ssh_key_data", "security_token", "become_password") and "{{" not in str(value):
                problems.append(f"credential {resolve(credential['name'], v)}: input {field!r} is a literal value, not a template")
    for project in v["controller_projects"]:
        if project.get("default_environment"):
            need("execution_environments", project["default_environment"], f"project {project['name']}")
    for source in v["controller_inventory_sources"]:
        where = f"inventory source {source['name']}"
        need("inventories", source["inventory"], where)
        if source.get("source") == "scm":
            need("projects", source["source_project"], where)
            if not (REPO / source["source_path"]).is_file():
                problems.append(f"{where}: source_path {source['source_path']} does not exist in the project")
        if source.get("credential"):
            need("credentials", source["credential"], where)
    for template in v["controller_templates"]:
        where = f"job template {template['name']}"
        need("projects", template["project"], where)
        need("inventories", template["inventory"], where)
        for credential in template.get("credentials", []):
            need("credentials", credential, where)
        if template.get("execution_environment"):
            need("execution_environments", template["execution_environment"], where)
    return problems


# --- surveys ------------------------------------------------------------


def check_survey(owner, template):
    """AWX's survey_spec format; survey_enabled only with questions."""
    problems = []
    survey = template.get("survey_spec")
    if not survey:
        if template.get("survey_enabled"):
            problems.append(f"{owner}: survey_enabled without a survey_spec")
        return problems
    for key in ("name", "description", "spec"):
        if key not in survey:
            problems.append(f"{owner}: survey_spec lacks {key!r}")
    seen = set()
    for question in survey.get("spec") or []:
        variable = question.get("variable")
        where = f"{owner}: survey question {variable!r}"
        for key in ("question_name", "variable", "type", "required"):
            if key not in question:
                problems.append(f"{where} lacks {key!r}")
        if variable in seen:
            problems.append(f"{where} is asked twice")
        seen.add(variable)
        kind = question.get("type")
        if kind not in SURVEY_TYPES:
            problems.append(f"{where}: type {kind!r} is not one of {sorted(SURVEY_TYPES)}")
        if kind in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if not isinstance(choices, list) or not choices:
                problems.append(f"{where}: a {kind} question needs a non-empty list of choices, got {choices!r}")
            elif question.get("default") not in ("", None) and question["default"] not in choices:
                problems.append(f"{where}: default {question['default']!r} is not one of its choices {choices}")
        if kind in ("integer", "float"):
            low, high, default = question.get("min"), question.get("max"), question.get("default")
            if low is not None and high is not None and low > high:
                problems.append(f"{where}: min {low} > max {high}")
            if default not in ("", None) and not (low <= default <= high):
                problems.append(f"{where}: default {default} is outside {low}..{high}")
    if not survey.get("spec"):
        problems.append(f"{owner}: survey_spec has no questions")
    elif not template.get("survey_enabled"):
        problems.append(f"{owner}: has a survey but survey_enabled is not true")
    return problems


def switch_colors():
    """The colors playbooks/switch.yml accepts: the release role's `switch` entry point, which it imports."""
    plays = yaml.safe_load((REPO / "playbooks" / "switch.yml").read_text())
    imports = [task.get("ansible.builtin.import_role") for play in plays for task in play.get("tasks", [])]
    assert {"name": "bluegreen.aws.release", "tasks_from": "switch"} in imports, imports
    specs = yaml.safe_load((REPO / "roles" / "release" / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["switch"]["options"]["release_color"]["choices"]


def check_switch_survey(config):
    """The switch template asks for the color (required, exactly the playbook's colors) and an optional weight."""
    problems = []
    switch = [t for t in config["vars"]["controller_templates"] if t.get("playbook") == "playbooks/switch.yml"]
    if len(switch) != 1:
        return [f"expected one job template for playbooks/switch.yml, found {len(switch)}"]
    questions = {q.get("variable"): q for q in (switch[0].get("survey_spec") or {}).get("spec") or []}
    color = questions.get("color")
    colors = switch_colors()
    if color is None:
        problems.append(f"job template {switch[0]['name']}: the survey does not ask for color")
    else:
        if color.get("type") != "multiplechoice" or sorted(color.get("choices") or []) != sorted(colors):
            problems.append(
                f"job template {switch[0]['name']}: color must be a multiplechoice of {colors}, "
                f"got type {color.get('type')!r} with choices {color.get('choices')!r}"
            )
        if color.get("required") is not True:
            problems.append(f"job template {switch[0]['name']}: color must be required")
    weight = questions.get("weight")
    if weight is None or weight.get("type") != "integer" or weight.get("required") is not False:
        problems.append(f"job template {switch[0]['name']}: weight must be an optional integer question, got {weight!r}")
    elif (weight.get("min"), weight.get("max")) != (0, 100):
        problems.append(f"job template {switch[0]['name']}: weight must range 0..100, got {weight.get('min')}..{weight.get('max')}")
    return problems


# --- workflows ------------------------------------------------------------


def check_workflows(config):
    problems = []
    v = config["vars"]
    _spec, _extra, doc = module_spec("awx.awx.workflow_job_template")
    node_spec = doc_to_spec(doc["options"]["workflow_nodes"]["suboptions"])
    templates = {t["name"] for t in v["controller_templates"]}
    for workflow in v["controller_workflows"]:
        owner = f"workflow {workflow['name']}"
        problems.extend(check_survey(owner, workflow))
        nodes = workflow.get("workflow_nodes") or []
        identifiers = [node.get("identifier") for node in nodes]
        for duplicate in sorted({i for i in identifiers if identifiers.count(i) > 1}):
            problems.append(f"{owner}: node identifier {duplicate!r} is used twice")
        for node in nodes:
            where = f"{owner} node {node.get('identifier')!r}"
            result = ArgumentSpecValidator(node_spec).validate(copy.deepcopy(node))
            problems.extend(f"{where}: {message}" for message in result.error_messages)
            target = node.get("unified_job_template") or {}
            if target.get("type") == "job_template" and target.get("name") not in templates:
                problems.append(f"{where}: job template {target.get('name')!r} is not defined in awx/vars/templates.yml")
            elif target.get("type") == "workflow_approval" and not target.get("name"):
                problems.append(f"{where}: an approval node needs a name")
            elif target.get("type") not in ("job_template", "workflow_approval"):
                problems.append(f"{where}: unexpected node type {target.get('type')!r}")
            for link, targets in (node.get("related") or {}).items():
                for linked in targets or []:
                    if linked.get("identifier") not in identifiers:
                        problems.append(f"{where}: {link} names node {linked.get('identifier')!r}, which does not exist")
    return problems


def check_all(config):
    return check_tasks(config) + check_references(config) + check_switch_survey(config) + check_workflows(config) + [
        problem for template in config["vars"]["controller_templates"] for problem in check_survey(f"job template {template['name']}", template)
    ]


# --- playbooks --------------------------------------------------------------


def playbook_problems(relative):
    """Why AWX would not offer `relative` as a playbook, or would fail to run it ([] when fine)."""
    path = REPO / relative
    parts = pathlib.PurePosixPath(relative).parts[:-1]
    if AWX_SKIPPED_DIRS & set(parts) or any(part.startswith(".") for part in parts):
        return [f"{relative}: AWX does not look for playbooks in {'/'.join(parts)}/"]
    if path.suffix not in (".yml", ".yaml"):
        return [f"{relative}: AWX lists only .yml and .yaml files"]
    text = path.read_text()
    problems = []
    if not any(AWX_PLAYBOOK_RE.match(line) for line in text.splitlines()):
        problems.append(f"{relative}: no line starts with hosts:, import_playbook: or include:, so AWX does not list it")
    plays = yaml.safe_load(text)
    if not isinstance(plays, list) or not plays:
        return problems + [f"{relative}: not a list of plays"]
    for index, play in enumerate(plays):
        if not isinstance(play, dict):
            problems.append(f"{relative}: play {index} is not a mapping")
        elif "hosts" not in play:
            imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
            if imported:
                problems.extend(playbook_problems(str((path.parent / imported).resolve().relative_to(REPO))))
            else:
                problems.append(f"{relative}: play {index} ({play.get('name', '?')}) has no hosts")
    return problems


def referenced_playbooks():
    return sorted({t["playbook"] for t in load_config()["vars"]["controller_templates"]})


# --- tests ----------------------------------------------------------------


def test_capture_gets_the_real_spec():
    """The captured spec is the module's own (options only it has) plus the connection options."""
    spec, _extra, _doc = module_spec("awx.awx.job_template")
    assert {"playbook", "survey_spec", "ask_limit_on_launch", "controller_host"} <= set(spec)
    assert spec["job_type"]["choices"] == ["run", "check"]


def test_config_is_valid():
    assert check_all(load_config()) == []


def test_every_template_and_playbook_is_covered():
    """Each playbook the issue names has a template; the lists are what configure.yml loops over."""
    assert set(referenced_playbooks()) >= {
        f"playbooks/{name}.yml" for name in ("site", "deploy", "switch", "rollback", "finalize", "status")
    }


@pytest.mark.parametrize("playbook", referenced_playbooks())
def test_referenced_playbook_is_discoverable(playbook):
    if not (REPO / playbook).exists():
        pytest.fail(f"{playbook} is named by a job template but does not exist")
    assert playbook_problems(playbook) == []


def test_top_level_wrappers_are_not_discoverable_by_awx():
    """Why the templates name playbooks/*.yml: AWX's pattern misses FQCN imports (site.yml, switch.yml)."""
    assert any("AWX does not list it" in p for p in playbook_problems("switch.yml"))


def test_inventory_source_is_the_aws_ec2_config():
    sources = load_config()["vars"]["controller_inventory_sources"]
    ec2 = [s for s in sources if s.get("source_path") == "inventories/aws/aws_ec2.yml"]
    assert len(ec2) == 1 and ec2[0]["source"] == "scm" and ec2[0].get("credential")
    assert yaml.safe_load((REPO / "inventories/aws/aws_ec2.yml").read_text())["plugin"] == "amazon.aws.aws_ec2"


def test_workflow_graph():
    """deploy → approval → switch → approval → finalize, and the denied release goes to rollback."""
    (workflow,) = load_config()["vars"]["controller_workflows"]
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}

    def step(identifier, link="success_nodes"):
        return [nodes[t["identifier"]] for t in nodes[identifier].get("related", {}).get(link, [])]

    kinds = []
    node = nodes["deploy"]
    while node:
        target = node["unified_job_template"]
        kinds.append(target["type"] if target["type"] == "workflow_approval" else target["name"].split()[-1])
        following = step(node["identifier"])
        node = following[0] if following else None
    assert kinds == ["deploy", "workflow_approval", "switch", "workflow_approval", "finalize"]
    assert [n["unified_job_template"]["name"] for n in step("approve-release", "failure_nodes")] == ["bluegreen.aws rollback"]


def _template(config, playbook):
    return next(t for t in config["vars"]["controller_templates"] if t["playbook"] == playbook)


def _question(config, variable):
    return next(q for q in _template(config, "playbooks/switch.yml")["survey_spec"]["spec"] if q["variable"] == variable)


MUTATIONS = {
    "unknown job template option": (
        lambda c: _template(c, "playbooks/status.yml").update(bogus_option=1),
        "'bogus_option' is not an option of awx.awx.job_template",
    ),
    "option the module has but configure.yml drops": (
        lambda c: _template(c, "playbooks/status.yml").update(forks=5),
        "'forks' is an option of awx.awx.job_template but configure.yml does not pass it",
    ),
    "bad choice": (
        lambda c: _template(c, "playbooks/status.yml").update(job_type="launch"),
        "value of job_type must be one of: run, check, got: launch",
    ),
    "bad type": (
        lambda c: _template(c, "playbooks/status.yml").update(ask_limit_on_launch="sometimes"),
        "ask_limit_on_launch",
    ),
    "survey loses the color choices": (
        lambda c: _question(c, "color").pop("choices"),
        "a multiplechoice question needs a non-empty list of choices",
    ),
    "survey color choices changed": (
        lambda c: _question(c, "color").update(choices=["blue", "purple"]),
        "color must be a multiplechoice of ['blue', 'green']",
    ),
    "survey loses the color question": (
        lambda c: _template(c, "playbooks/switch.yml")["survey_spec"]["spec"].remove(_question(c, "color")),
        "the survey does not ask for color",
    ),
    "color not required": (
        lambda c: _question(c, "color").update(required=False),
        "color must be required",
    ),
    "weight out of range": (
        lambda c: _question(c, "weight").update(max=1000),
        "weight must range 0..100",
    ),
    "configure.yml passes an unknown option": (
        lambda c: next(t for t in c["tasks"] if "awx.awx.job_template" in t)["awx.awx.job_template"].update(
            playbook_dir="{{ item.playbook_dir | default(omit) }}"
        ),
        "'playbook_dir' is not an option of awx.awx.job_template",
    ),
    "unknown workflow node option": (
        lambda c: c["vars"]["controller_workflows"][0]["workflow_nodes"][0].update(success_node=[]),
        "workflow bluegreen.aws release node 'deploy': success_node",
    ),
    "workflow node names a missing template": (
        lambda c: c["vars"]["controller_workflows"][0]["workflow_nodes"][0]["unified_job_template"].update(name="nope"),
        "job template 'nope' is not defined",
    ),
    "workflow link to a missing node": (
        lambda c: c["vars"]["controller_workflows"][0]["workflow_nodes"][0]["related"]["success_nodes"].append({"identifier": "ghost"}),
        "names node 'ghost', which does not exist",
    ),
    "template names a missing credential": (
        lambda c: _template(c, "playbooks/status.yml")["credentials"].append("nobody"),
        "credential 'nobody' is not defined",
    ),
    "literal secret": (
        lambda c: c["vars"]["controller_credentials"][0]["inputs"].update(password="hunter2"),
        "input 'password' is a literal value",
    ),
    "required option missing": (
        lambda c: c["vars"]["controller_templates"][0].pop("playbook"),
        "lacks 'playbook'",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_validation_catches(mutation):
    config = copy.deepcopy(load_config())
    change, expected = MUTATIONS[mutation]
    change(config)
    problems = check_all(config)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        ("playbooks/tasks/lock.yml", "AWX does not look for playbooks in playbooks/tasks/"),
        ("inventories/aws/aws_ec2.yml", "so AWX does not list it"),
    ],
)
def test_discoverability_catches(playbook, expected):
    assert any(expected in problem for problem in playbook_problems(playbook))


def test_discoverability_catches_a_play_without_hosts(tmp_path, monkeypatch):
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "two.yml").write_text("---\n- name: One\n  hosts: all\n- name: Two\n  tasks: []\n")
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    assert playbook_problems("playbooks/two.yml") == ["playbooks/two.yml: play 1 (Two) has no hosts"]
