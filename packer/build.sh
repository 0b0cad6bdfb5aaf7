#!/usr/bin/env bash
# Bake the AMI chain in one run: prerequisites AMI, then the application AMI
# built FROM THAT AMI. The second build's source AMI is read from the manifest
# entry of the first build of this very run (its packer_run_uuid is the
# manifest's last_run_uuid, and its custom_data carries this run's id), never
# "the last entry of some manifest": a failed or concurrent build stops the
# chain instead of baking the application onto a stale image.
#
#   packer/build.sh -var-file=$HOME/bluegreen.pkrvars.hcl [-var app_version=1.2.0 -var app_package=/path/app.zip]
#
# Needs packer (1.6.6 has the plugins built in; 1.7+: `packer init
# packer/plugins.pkr.hcl` first), ansible-playbook and python3 on PATH, and
# AWS credentials as usual (AWS_PROFILE, environment, SSO, instance role).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_id=${BLUEGREEN_BUILD_RUN_ID:-$(python3 -c 'import uuid; print(uuid.uuid4())')}
out_dir=${BLUEGREEN_BUILD_DIR:-$here/.build}
mkdir -p "$out_dir"
manifest="$out_dir/manifest-$run_id.json"

# One template, two builds (windows.pkr.hcl): -only picks one. A -only that
# matches nothing builds nothing, and the manifest check below stops the chain.
template="$here/windows.pkr.hcl"
echo "build.sh: run $run_id: prerequisites AMI"
packer build -only=amazon-ebs.prerequisites -var "build_run_id=$run_id" -var "manifest_path=$manifest" "$@" "$template"

ami=$(python3 - "$manifest" "$run_id" <<'PY'
import json
import sys

path, run_id = sys.argv[1:]
with open(path) as f:
    manifest = json.load(f)
last = manifest.get("last_run_uuid")
entries = [b for b in manifest.get("builds", [])
           if b.get("packer_run_uuid") == last
           and b.get("custom_data", {}).get("build_run_id") == run_id
           and b.get("custom_data", {}).get("role") == "prerequisites"]
if len(entries) != 1:
    sys.exit("build.sh: %s has no prerequisites build of run %s (last_run_uuid %s); not building the application AMI"
             % (path, run_id, last))
region_ami = entries[0]["artifact_id"].split(",")[0]
print(region_ami.split(":", 1)[1])
PY
)

echo "build.sh: run $run_id: application AMI from $ami"
packer build -only=amazon-ebs.application -var "build_run_id=$run_id" -var "manifest_path=$manifest" \
    -var "source_ami=$ami" "$@" "$template"
echo "build.sh: run $run_id done; manifest $manifest"
