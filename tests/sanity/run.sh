#!/usr/bin/env bash
# ansible-test sanity for this collection, runnable offline (PyPI only).
#
# ansible-test needs two things this checkout does not give it directly:
#
# 1. A path ending in ansible_collections/bluegreen/aws, with amazon.aws and
#    community.aws beside it (validate-modules resolves their doc fragments).
#    We copy the collection into tests/output/sanity-tree/ansible_collections/
#    and copy the two dependencies from the ansible package installed in the
#    Python that runs this script. The copy gets its own `git init` so that
#    ansible-test lists its files from there and not from this checkout's
#    repository (where tests/output/ is ignored).
# 2. A pip bootstrap script that ansible-test normally downloads from a host
#    that is not reachable here. We download the pip wheel ansible-test wants
#    from PyPI and put a small stand-in bootstrap into ansible-test's cache
#    that installs pip from that wheel.
#
# Usage: tests/sanity/run.sh [extra ansible-test sanity options]
# Environment: PYTHON (default: python3 on PATH, the one with ansible-core).
# Safe to run again: the copy is refreshed, the dependencies and the pip
# bootstrap are reused when they are already in place.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
python=${PYTHON:-python3}
tree="$repo/tests/output/sanity-tree/ansible_collections"
dest="$tree/bluegreen/aws"

# --- where is ansible? ------------------------------------------------------
read -r site_packages python_version < <("$python" - <<'EOF'
import os, sys
import ansible
print(os.path.dirname(os.path.dirname(ansible.__file__)), "%d.%d" % sys.version_info[:2])
EOF
)
ansible_test=$(dirname "$(command -v "$python")")/ansible-test
[[ -x $ansible_test ]] || ansible_test=ansible-test

# --- 1. the collection tree --------------------------------------------------
copy_dependency() {  # copy_dependency amazon/aws
    local src="$site_packages/ansible_collections/$1" dst="$tree/$1"
    if [[ ! -f $src/MANIFEST.json ]]; then
        echo "sanity: $1 not found under $site_packages/ansible_collections" >&2
        exit 1
    fi
    if [[ -f $dst/MANIFEST.json ]] && cmp -s "$src/MANIFEST.json" "$dst/MANIFEST.json"; then
        return
    fi
    echo "sanity: copying $1 from $src"
    rm -rf "$dst"
    mkdir -p "$(dirname "$dst")"
    cp -a "$src" "$dst"
}
copy_dependency amazon/aws
copy_dependency community/aws

echo "sanity: copying bluegreen.aws to $dest"
mkdir -p "$dest/tests"
# Refresh everything but ansible-test's own work area (tests/output keeps its
# delegation venv between runs) so that files deleted here disappear there too.
find "$dest" -mindepth 1 -maxdepth 1 ! -name tests ! -name .git -exec rm -rf {} +
find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
tar -C "$repo" -cf - \
    --exclude=./.git --exclude=./.venv --exclude=./collections \
    --exclude=./tests/output --exclude=./.ansible --exclude=./.cache \
    --exclude=.pytest_cache --exclude=__pycache__ --exclude='*.pyc' \
    --exclude='*.tar.gz' . | tar -C "$dest" -xf -
[[ -d $dest/.git ]] || git -C "$dest" init -q

# --- 2. the pip bootstrap ----------------------------------------------------
# The pip version ansible-test pins for this Python, asked from ansible-test itself.
pip_version=$("$python" - "$python_version" <<'EOF'
import sys
from ansible_test._internal.host_configs import NativePythonConfig
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(NativePythonConfig(version=sys.argv[1]))["pip"])
EOF
)
cache="$HOME/.ansible/test/cache"
bootstrap="$cache/get_pip_${pip_version//./_}.py"
wheel="$cache/pip-$pip_version-py3-none-any.whl"
mkdir -p "$cache"
if [[ ! -f $wheel ]]; then
    echo "sanity: downloading pip $pip_version from PyPI"
    "$python" -m pip download --quiet --no-deps --only-binary=:all: \
        --dest "$cache" "pip==$pip_version"
fi
if ! grep -qs 'stand-in' "$bootstrap"; then
    cat > "$bootstrap" <<EOF
"""Offline stand-in for get-pip.py $pip_version, written by tests/sanity/run.sh.

Installs pip from the wheel next to this file instead of an embedded copy.
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "pip-$pip_version-py3-none-any.whl"))

from pip._internal.cli.main import main  # noqa: E402

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-index", "--find-links", here, "--upgrade", "--force-reinstall"] + args))
EOF
fi

# --- 3. run ------------------------------------------------------------------
cd "$dest"
echo "sanity: ansible-test sanity --venv --python $python_version $*"
"$ansible_test" sanity --venv --python "$python_version" --color no "$@"
