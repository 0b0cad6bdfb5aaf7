# The AMI chain of the Windows fleet, two builds of one template:
#
#   prerequisites  Windows Server + IIS + ASP.NET Core Hosting Bundle + the
#                  CodeDeploy agent, configured by this collection's roles
#                  (windows_web, codedeploy_agent) through the ansible
#                  provisioner over WinRM/HTTPS;
#   application    the prerequisites AMI of the same run (source_ami) plus the
#                  published ASP.NET Core application in the IIS site, checked
#                  through its health path.
#
# Do not run it by hand: packer/build.sh runs the prerequisites build
# (-only=amazon-ebs.prerequisites), reads THIS run's manifest entry, and runs
# the application build (-only=amazon-ebs.application) from the AMI it produced.
# Packer 1.6.6 cannot override source fields per build, so the two sources
# repeat the build-only WinRM settings; everything else is shared below.

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "Region the AMIs are built in."
}

variable "app_name" {
  type        = string
  default     = "web"
  description = "Application name: prefix of the AMI names, App tag."
}

variable "build_run_id" {
  type        = string
  description = "Identifier of this chained run (set by build.sh); tagged on both AMIs and written to the manifest."
  validation {
    condition     = length(var.build_run_id) > 0
    error_message = "The build_run_id must not be empty: run packer/build.sh."
  }
}

variable "winrm_source_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach WinRM (5986) on the build instance: the address of this build host, e.g. [\"203.0.113.7/32\"]. No default, never 0.0.0.0/0."
  # Addresses, not strings: every entry must be a network (cidrhost parses IPv4
  # and IPv6) with a prefix of at least /8 (IPv4) or /32 (IPv6), the limit of
  # the network role's admin CIDRs; so 0.0.0.0/1 + 128.0.0.0/1, 1.2.3.4/0 and
  # ::0/0 fail like 0.0.0.0/0. try(): HCL's && does not short-circuit, and
  # Packer 1.6.6 has no regexall or tonumber (comparisons convert "32").
  validation {
    condition = length(var.winrm_source_cidrs) > 0 && length([
      for cidr in var.winrm_source_cidrs : cidr
      if ! try(cidrhost(cidr, 0) != "" && split("/", cidr)[1] >= (length(split(":", cidr)) > 1 ? 32 : 8), false)
    ]) == 0
    error_message = "The winrm_source_cidrs must list the build host's address (e.g. 203.0.113.7/32): each entry an IPv4 network of /8 or longer or an IPv6 network of /32 or longer; the internet is refused in any spelling (0.0.0.0/0, 0.0.0.0/1 with 128.0.0.0/1, 1.2.3.4/0, ::0/0)."
  }
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance (empty: the default VPC). It must be reachable from this host on 5986."
}

variable "associate_public_ip_address" {
  type    = bool
  default = true
}

variable "manifest_path" {
  type        = string
  default     = "manifest.json"
  description = "Manifest written by the builds (build.sh reads the entry of this run)."
}

# --- prerequisites build only ---------------------------------------------------

variable "source_ami_name" {
  type        = string
  default     = "Windows_Server-2022-English-Full-Base-*"
  description = "Name pattern of the Amazon-owned Windows base image; the newest match is used."
}

variable "hosting_bundle_version" {
  type        = string
  default     = "8.0.22"
  description = "ASP.NET Core Hosting Bundle release (windows_web_hosting_bundle_version)."
}

variable "codedeploy_agent_version" {
  type        = string
  default     = "latest"
  description = "CodeDeploy agent release (codedeploy_agent_version)."
}

# --- application build only ---------------------------------------------------------

variable "source_ami" {
  type        = string
  default     = ""
  description = "The prerequisites AMI built by this run (build.sh reads it from the manifest entry of the run). Required by the application build."
  validation {
    condition     = var.source_ami == "" || regex_replace(var.source_ami, "^ami-[0-9a-f]{8,17}$", "") == ""
    error_message = "The source_ami must be an AMI ID (ami-...): run packer/build.sh, which passes the prerequisites AMI of the same run."
  }
}

variable "app_version" {
  type        = string
  default     = "1"
  description = "Version of the application; tagged on the AMI (Version), part of the AMI name, used by the fleet."
  # In the AMI name, which CreateImage checks only after sysprep: letters,
  # digits and . _ - (a bundle version may also have "+", an AMI name may not).
  validation {
    condition     = length(var.app_version) > 0 && regex_replace(var.app_version, "^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$", "") == ""
    error_message = "The app_version must be 1-64 letters, digits, dots, underscores or hyphens, starting with a letter or digit (it is part of the AMI name, where + and other characters are refused)."
  }
}

variable "app_package" {
  type        = string
  default     = ""
  description = "Zip of `dotnet publish` output on this build host (with its web.config). Empty bakes the prerequisites only (health placeholder)."
}

variable "health_path" {
  type    = string
  default = "/health"
}

locals {
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
  repo      = abspath("${path.root}/..")

  # Ansible talks WinRM/HTTPS to the build instance directly (use_proxy =
  # false). The certificate was generated on the instance at boot: there is no
  # CA to validate it against.
  #
  # The Administrator password never goes on the ansible-playbook command line
  # (which `ps` shows every user): each ansible provisioner puts it in the
  # environment of ansible-playbook (BLUEGREEN_BUILD_WINRM_PASSWORD, readable by
  # the same user only) and vars/winrm_password.yml looks it up there. The empty
  # "ansible_password=" before it is there for the provisioner only: given an
  # argument that sets ansible_password, it does not append its own
  # "-e ansible_password=<password>". The later -e @file wins.
  ansible_winrm_arguments = [
    "-e", "ansible_password=",
    "-e", "@${abspath(path.root)}/vars/winrm_password.yml",
    "-e", "ansible_connection=winrm",
    "-e", "ansible_port=5986",
    "-e", "ansible_winrm_scheme=https",
    "-e", "ansible_winrm_transport=ntlm",
    "-e", "ansible_winrm_server_cert_validation=ignore",
    "-e", "bluegreen_app=${var.app_name}",
    "-e", "bluegreen_region=${var.region}",
  ]
  ansible_env_vars = ["ANSIBLE_CONFIG=${local.repo}/ansible.cfg", "ANSIBLE_NOCOLOR=1"]
  run_tags = {
    App      = var.app_name
    BuildRun = var.build_run_id
  }
}

# WinRM over HTTPS only, for the build only: user data creates a listener with
# a certificate the instance generates at boot (winrm_insecure: no CA); the
# temporary security group admits 5986 from winrm_source_cidrs only, and
# finalize.ps1 deletes the listener and the certificate and disables WinRM
# before the image is taken. No winrm_password: Packer waits for the
# Administrator password EC2Launch generates and decrypts it with its temporary
# key pair. The last provisioner runs sysprep, which stops the instance
# (disable_stop_instance; aws_polling bounds the wait).
source "amazon-ebs" "prerequisites" {
  region        = var.region
  instance_type = var.instance_type
  ami_name      = "${var.app_name}-prerequisites-${local.timestamp}"
  source_ami_filter {
    filters = {
      name                = var.source_ami_name
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }
  subnet_id                   = var.subnet_id
  associate_public_ip_address = var.associate_public_ip_address

  communicator                          = "winrm"
  winrm_username                        = "Administrator"
  winrm_use_ssl                         = true
  winrm_insecure                        = true
  winrm_use_ntlm                        = true
  winrm_port                            = 5986
  winrm_timeout                         = "30m"
  user_data_file                        = "${path.root}/scripts/bootstrap_win.ps1"
  temporary_security_group_source_cidrs = var.winrm_source_cidrs
  disable_stop_instance                 = true
  # Sysprep stops the instance itself; the default waiter (40 x 15 s) is short
  # for Windows. Up to an hour, for that wait and the image's.
  aws_polling {
    delay_seconds = 30
    max_attempts  = 120
  }

  tags = {
    Name                 = "${var.app_name}-prerequisites-${local.timestamp}"
    App                  = var.app_name
    Role                 = "prerequisites"
    BuildRun             = var.build_run_id
    HostingBundleVersion = var.hosting_bundle_version
    CodeDeployAgent      = var.codedeploy_agent_version
  }
  run_tags = merge(local.run_tags, { Name = "packer ${var.app_name}-prerequisites" })
}

# The sealed prerequisites image has WinRM disabled: this boot's user data opens
# it again over HTTPS with a new certificate, EC2Launch generates a new password.
source "amazon-ebs" "application" {
  region                      = var.region
  instance_type               = var.instance_type
  ami_name                    = "${var.app_name}-${var.app_version}-${local.timestamp}"
  source_ami                  = var.source_ami
  subnet_id                   = var.subnet_id
  associate_public_ip_address = var.associate_public_ip_address

  communicator                          = "winrm"
  winrm_username                        = "Administrator"
  winrm_use_ssl                         = true
  winrm_insecure                        = true
  winrm_use_ntlm                        = true
  winrm_port                            = 5986
  winrm_timeout                         = "30m"
  user_data_file                        = "${path.root}/scripts/bootstrap_win.ps1"
  temporary_security_group_source_cidrs = var.winrm_source_cidrs
  disable_stop_instance                 = true
  # Sysprep stops the instance itself; the default waiter (40 x 15 s) is short
  # for Windows. Up to an hour, for that wait and the image's.
  aws_polling {
    delay_seconds = 30
    max_attempts  = 120
  }

  tags = {
    Name     = "${var.app_name}-${var.app_version}-${local.timestamp}"
    App      = var.app_name
    Role     = "application"
    Version  = var.app_version
    BuildRun = var.build_run_id
    BaseAmi  = var.source_ami
  }
  run_tags = merge(local.run_tags, { Name = "packer ${var.app_name}-application" })
}

build {
  sources = ["source.amazon-ebs.prerequisites"]

  provisioner "ansible" {
    playbook_file = "${path.root}/playbooks/prerequisites.yml"
    user          = "Administrator"
    use_proxy     = false
    extra_arguments = concat(local.ansible_winrm_arguments, [
      "-e", "windows_web_hosting_bundle_version=${var.hosting_bundle_version}",
      "-e", "codedeploy_agent_version=${var.codedeploy_agent_version}",
    ])
    ansible_env_vars = concat(local.ansible_env_vars, ["BLUEGREEN_BUILD_WINRM_PASSWORD=${build.Password}"])
  }

  # Close WinRM (listeners, firewall rule, build certificate, service disabled)
  # and sysprep through EC2Launch, from a scheduled task so this session can end.
  provisioner "powershell" {
    script = "${path.root}/scripts/finalize.ps1"
  }

  post-processor "manifest" {
    output     = var.manifest_path
    strip_path = true
    custom_data = {
      build_run_id = var.build_run_id
      role         = "prerequisites"
    }
  }
}

build {
  sources = ["source.amazon-ebs.application"]

  provisioner "ansible" {
    playbook_file = "${path.root}/playbooks/application.yml"
    user          = "Administrator"
    use_proxy     = false
    extra_arguments = concat(local.ansible_winrm_arguments, [
      "-e", "app_package=${var.app_package}",
      "-e", "app_version=${var.app_version}",
      "-e", "windows_web_health_path=${var.health_path}",
    ])
    ansible_env_vars = concat(local.ansible_env_vars, ["BLUEGREEN_BUILD_WINRM_PASSWORD=${build.Password}"])
  }

  provisioner "powershell" {
    script = "${path.root}/scripts/finalize.ps1"
  }

  post-processor "manifest" {
    output     = var.manifest_path
    strip_path = true
    custom_data = {
      build_run_id = var.build_run_id
      role         = "application"
      source_ami   = var.source_ami
    }
  }
}
