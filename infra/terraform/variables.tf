variable "project_id" {
  description = "Google Cloud project that holds the platform."
  type        = string
}

variable "environment" {
  description = "Environment name (the provisioning workflow passes its own, e.g. gcp-prod); used in labels and resource names."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}$", var.environment))
    error_message = "environment: lower-case letters, digits and '-', at most 31 characters."
  }
}

variable "region" {
  description = "Region of the bucket and the VM."
  type        = string
  default     = "southamerica-east1"
}

variable "zone" {
  description = "Zone of the database VM."
  type        = string
  default     = "southamerica-east1-a"
}

variable "bucket_name" {
  description = "Image bucket (globally unique), e.g. pet-adota-imagens-<project>."
  type        = string
}

variable "archive_bucket_name" {
  description = "The trends archive's bucket (globally unique), e.g. pet-adota-arquivo-<project>."
  type        = string
}

variable "network" {
  description = "VPC network of the VM and its firewall rules."
  type        = string
  default     = "default"
}

variable "vm_machine_type" {
  description = "Machine type of the database VM."
  type        = string
  default     = "e2-small"
}

variable "vm_image" {
  description = "Boot image of the database VM (Debian, which the Ansible role expects)."
  type        = string
  default     = "debian-cloud/debian-12"
}

variable "vm_disk_gb" {
  description = "Boot disk size of the database VM, in GB."
  type        = number
  default     = 20
}

variable "mysql_port" {
  description = "Port MySQL listens on (the Ansible role's mysql_port, MYSQL_PORT of the clients)."
  type        = number
  default     = 3306
}

variable "mysql_source_ranges" {
  description = "CIDR ranges allowed to reach MySQL (the workers' and the Spark cluster's addresses). No default: MySQL is never opened to the world by accident."
  type        = list(string)

  validation {
    condition     = length(var.mysql_source_ranges) > 0 && !contains(var.mysql_source_ranges, "0.0.0.0/0")
    error_message = "mysql_source_ranges must list specific ranges, not 0.0.0.0/0."
  }
}

variable "ssh_source_ranges" {
  description = "CIDR ranges allowed to SSH into the VM (where Ansible runs from)."
  type        = list(string)
}

variable "ssh_user" {
  description = "User Ansible logs in as."
  type        = string
  default     = "petadota"
}

variable "ssh_public_key" {
  description = "Public key (OpenSSH format) of that user."
  type        = string
}
