# PetAdota on Google Cloud: the image bucket and the trends archive's bucket, a Debian VM for
# MySQL (installed by infra/ansible), firewall rules that open MySQL and SSH only to the given
# ranges, and one service account with an HMAC key per role (the image pipeline, the trends job,
# reporting), so the platform's S3 clients work against the buckets through Cloud Storage's
# S3-compatible XML API. The grants are those of infra/s3/access.json.

locals {
  labels = {
    app         = "pet-adota"
    environment = var.environment
  }
  mysql_tag = "pet-adota-mysql-${var.environment}"
}

resource "google_storage_bucket" "images" {
  name                        = var.bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels
}

resource "google_service_account" "pipeline" {
  account_id   = "pet-adota-pipeline-${var.environment}"
  display_name = "PetAdota image pipeline (${var.environment})"
}

# Objects only, in this bucket only: the pipeline writes and reads images, nothing else.
resource "google_storage_bucket_iam_member" "pipeline_objects" {
  bucket = google_storage_bucket.images.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_storage_hmac_key" "pipeline" {
  service_account_email = google_service_account.pipeline.email
}

# The trends job's raw archive of every click record (Parquet), apart from the images.
resource "google_storage_bucket" "archive" {
  name                        = var.archive_bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels
}

resource "google_service_account" "stream" {
  account_id   = "pet-adota-stream-${var.environment}"
  display_name = "PetAdota trends job (${var.environment})"
}

# The archive only: S3A's renames are copies and deletes, so the job needs objectAdmin there.
resource "google_storage_bucket_iam_member" "stream_objects" {
  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.stream.email}"
}

resource "google_storage_hmac_key" "stream" {
  service_account_email = google_service_account.stream.email
}

resource "google_service_account" "readonly" {
  account_id   = "pet-adota-leitura-${var.environment}"
  display_name = "PetAdota reporting, read-only (${var.environment})"
}

# Reads the archive and the images; no write, no delete.
resource "google_storage_bucket_iam_member" "readonly_objects" {
  for_each = {
    images  = google_storage_bucket.images.name
    archive = google_storage_bucket.archive.name
  }
  bucket = each.value
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.readonly.email}"
}

resource "google_storage_hmac_key" "readonly" {
  service_account_email = google_service_account.readonly.email
}

resource "google_compute_instance" "mysql" {
  name         = "pet-adota-mysql-${var.environment}"
  machine_type = var.vm_machine_type
  zone         = var.zone
  tags         = [local.mysql_tag]
  labels       = local.labels

  boot_disk {
    initialize_params {
      image = var.vm_image
      size  = var.vm_disk_gb
    }
  }

  network_interface {
    network = var.network
    access_config {}
  }

  metadata = {
    ssh-keys = "${var.ssh_user}:${var.ssh_public_key}"
  }
}

resource "google_compute_firewall" "mysql" {
  name          = "pet-adota-mysql-${var.environment}"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = var.mysql_source_ranges
  target_tags   = [local.mysql_tag]

  allow {
    protocol = "tcp"
    ports    = [tostring(var.mysql_port)]
  }
}

resource "google_compute_firewall" "ssh" {
  name          = "pet-adota-ssh-${var.environment}"
  network       = var.network
  direction     = "INGRESS"
  source_ranges = var.ssh_source_ranges
  target_tags   = [local.mysql_tag]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
