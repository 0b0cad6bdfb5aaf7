# Example values (documentation addresses, RFC 5737): copy this file outside the
# repository, set your build host's address, and pass it to build.sh:
#   packer/build.sh -var-file=$HOME/bluegreen.pkrvars.hcl
# CI validates the templates with it.
region             = "us-east-1"
app_name           = "web"
winrm_source_cidrs = ["192.0.2.10/32"]
