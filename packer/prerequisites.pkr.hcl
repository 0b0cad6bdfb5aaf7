# Prerequisites AMI: Windows Server + IIS + ASP.NET Core Hosting Bundle + the
# CodeDeploy agent, configured by this collection's roles (windows_web,
# codedeploy_agent) through the ansible provisioner over WinRM/HTTPS.
#
# Do not run this alone: packer/build.sh runs it, reads THIS run's manifest
# entry and builds application.pkr.hcl from the AMI it produced.

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
  validation {
    condition     = length(var.winrm_source_cidrs) > 0 && contains(var.winrm_source_cidrs, "0.0.0.0/0") == false && contains(var.winrm_source_cidrs, "::/0") == false
    error_message = "The winrm_source_cidrs must list the build host's address (e.g. 203.0.113.7/32); 0.0.0.0/0 and ::/0 are refused."
  }
}

variable "source_ami_name" {
  type        = string
  default     = "Windows_Server-2022-English-Full-Base-*"
  description = "Name pattern of the Amazon-owned Windows base image; the newest match is used."
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

variable "manifest_path" {
  type        = string
  default     = "manifest.json"
  description = "Manifest written by this build (build.sh reads the entry of this run)."
}

locals {
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
  repo      = abspath("${path.root}/..")
}

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

  # WinRM over HTTPS only, for the build only: user data creates a listener
  # with a certificate the instance generates at boot, so there is no CA to
  # validate it against (winrm_insecure); the temporary security group admits
  # 5986 from winrm_source_cidrs only, and finalize.ps1 deletes the listener and
  # the certificate before the image is taken. No winrm_password: Packer waits
  # for the Administrator password EC2Launch generates and decrypts it with its
  # temporary key pair.
  communicator                          = "winrm"
  winrm_username                        = "Administrator"
  winrm_use_ssl                         = true
  winrm_insecure                        = true
  winrm_use_ntlm                        = true
  winrm_port                            = 5986
  winrm_timeout                         = "30m"
  user_data_file                        = "${path.root}/scripts/bootstrap_win.ps1"
  temporary_security_group_source_cidrs = var.winrm_source_cidrs

  # The last provisioner closes WinRM and runs sysprep, which stops the instance.
  disable_stop_instance = true

  tags = {
    Name                 = "${var.app_name}-prerequisites-${local.timestamp}"
    App                  = var.app_name
    Role                 = "prerequisites"
    BuildRun             = var.build_run_id
    HostingBundleVersion = var.hosting_bundle_version
    CodeDeployAgent      = var.codedeploy_agent_version
  }
  run_tags = {
    Name     = "packer ${var.app_name}-prerequisites"
    App      = var.app_name
    BuildRun = var.build_run_id
  }
}

build {
  sources = ["source.amazon-ebs.prerequisites"]

  # use_proxy = false: Ansible talks WinRM to the instance directly; Packer
  # passes the generated password as ansible_password (masked in its logs).
  provisioner "ansible" {
    playbook_file = "${path.root}/playbooks/prerequisites.yml"
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
      "-e", "windows_web_hosting_bundle_version=${var.hosting_bundle_version}",
      "-e", "codedeploy_agent_version=${var.codedeploy_agent_version}",
    ]
    ansible_env_vars = ["ANSIBLE_CONFIG=${local.repo}/ansible.cfg", "ANSIBLE_NOCOLOR=1"]
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
