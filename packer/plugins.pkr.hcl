# Plugins for Packer 1.7 and later: run `packer init packer/plugins.pkr.hcl` once,
# then build with packer/build.sh.
#
# This file is deliberately separate from the templates: Packer 1.6.6 (Debian's
# package, used by CI to validate) has the amazon and ansible plugins built in
# and does not understand required_plugins, so the templates are always passed
# to packer one file at a time and never include this one.
packer {
  required_version = ">= 1.6.6"
  required_plugins {
    amazon = {
      version = ">= 1.2.0"
      source  = "github.com/hashicorp/amazon"
    }
    ansible = {
      version = ">= 1.1.0"
      source  = "github.com/hashicorp/ansible"
    }
  }
}
