# Application AMI: the prerequisites AMI of the same run (source_ami, passed by
# packer/build.sh from that run's manifest entry) plus the published ASP.NET
# Core application in the IIS site, checked through its health path.

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "app_name" {
  type    = string
  default = "web"
}

variable "app_version" {
  type        = string
  default     = "1"
  description = "Version of the application; tagged on the AMI (Version) and used by the fleet."
}

variable "app_package" {
  type        = string
  default     = ""
  description = "Zip of `dotnet publish` output on this build host (with its web.config). Empty bakes the prerequisites only (health placeholder)."
}

variable "build_run_id" {
  type        = string
  description = "Identifier of this chained run (set by build.sh)."
  validation {
    condition     = length(var.build_run_id) > 0
    error_message = "The build_run_id must not be empty: run packer/build.sh."
  }
}

variable "source_ami" {
  type        = string
  description = "The prerequisites AMI built by this run (build.sh reads it from the manifest entry of the run)."
  validation {
    condition     = length(var.source_ami) > 0 && regex_replace(var.source_ami, "^ami-[0-9a-f]{8,17}$", "") == ""
    error_message = "The source_ami must be an AMI ID (ami-...): run packer/build.sh, which passes the prerequisites AMI of the same run."
  }
}

variable "winrm_source_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach WinRM (5986) on the build instance: this build host only. No default, never 0.0.0.0/0."
  validation {
    condition     = length(var.winrm_source_cidrs) > 0 && contains(var.winrm_source_cidrs, "0.0.0.0/0") == false && contains(var.winrm_source_cidrs, "::/0") == false
    error_message = "The winrm_source_cidrs must list the build host's address (e.g. 203.0.113.7/32); 0.0.0.0/0 and ::/0 are refused."
  }
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

variable "subnet_id" {
  type    = string
  default = ""
}

variable "associate_public_ip_address" {
  type    = bool
  default = true
}

variable "health_path" {
  type    = string
  default = "/health"
}

variable "manifest_path" {
  type    = string
  default = "manifest.json"
}

locals {
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
  repo      = abspath("${path.root}/..")
}

source "amazon-ebs" "application" {
  region                      = var.region
  instance_type               = var.instance_type
  ami_name                    = "${var.app_name}-${var.app_version}-${local.timestamp}"
  source_ami                  = var.source_ami
  subnet_id                   = var.subnet_id
  associate_public_ip_address = var.associate_public_ip_address

  # Same build-only WinRM as the prerequisites build: the sealed prerequisites
  # image has WinRM disabled; this boot's user data opens it again over HTTPS
  # with a new certificate, and EC2Launch generates a new password.
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

  tags = {
    Name     = "${var.app_name}-${var.app_version}-${local.timestamp}"
    App      = var.app_name
    Role     = "application"
    Version  = var.app_version
    BuildRun = var.build_run_id
    BaseAmi  = var.source_ami
  }
  run_tags = {
    Name     = "packer ${var.app_name}-application"
    App      = var.app_name
    BuildRun = var.build_run_id
  }
}

build {
  sources = ["source.amazon-ebs.application"]

  provisioner "ansible" {
    playbook_file = "${path.root}/playbooks/application.yml"
    user          = "Administrator"
    use_proxy     = false
    extra_arguments = [
      "-e", "ansible_connection=winrm",
      "-e", "ansible_port=5986",
      "-e", "ansible_winrm_scheme=https",
      "-e", "ansible_winrm_transport=ntlm",
      "-e", "ansible_winrm_server_cert_validation=ignore",
      "-e", "bluegreen_app=${var.app_name}",
      "-e", "bluegreen_region=${var.region}",
      "-e", "app_package=${var.app_package}",
      "-e", "app_version=${var.app_version}",
      "-e", "windows_web_health_path=${var.health_path}",
    ]
    ansible_env_vars = ["ANSIBLE_CONFIG=${local.repo}/ansible.cfg", "ANSIBLE_NOCOLOR=1"]
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
