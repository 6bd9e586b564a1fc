output "mysql_host" {
  description = "Public address of the database VM: the Ansible inventory host and MYSQL_HOST of the clients."
  value       = google_compute_instance.mysql.network_interface[0].access_config[0].nat_ip
}

output "ssh_user" {
  description = "User Ansible logs in as."
  value       = var.ssh_user
}

output "bucket_name" {
  description = "The image bucket: S3_BUCKET."
  value       = google_storage_bucket.images.name
}

output "archive_bucket_name" {
  description = "The trends archive's bucket: S3_ARCHIVE_BUCKET."
  value       = google_storage_bucket.archive.name
}

output "s3_endpoint" {
  description = "Cloud Storage's S3-compatible endpoint: S3_ENDPOINT (with S3_REGION=auto)."
  value       = "https://storage.googleapis.com"
}

output "hmac_access_id" {
  description = "S3_ACCESS_KEY_ID of the pipeline's service account."
  value       = google_storage_hmac_key.pipeline.access_id
}

output "hmac_secret" {
  description = "S3_SECRET_ACCESS_KEY of the pipeline's service account (read it with terraform output -raw hmac_secret into your secret store)."
  value       = google_storage_hmac_key.pipeline.secret
  sensitive   = true
}

output "stream_hmac_access_id" {
  description = "S3_STREAM_ACCESS_KEY_ID of the trends job's service account."
  value       = google_storage_hmac_key.stream.access_id
}

output "stream_hmac_secret" {
  description = "S3_STREAM_SECRET_ACCESS_KEY of the trends job's service account."
  value       = google_storage_hmac_key.stream.secret
  sensitive   = true
}

output "readonly_hmac_access_id" {
  description = "S3_READONLY_ACCESS_KEY_ID of the read-only service account."
  value       = google_storage_hmac_key.readonly.access_id
}

output "readonly_hmac_secret" {
  description = "S3_READONLY_SECRET_ACCESS_KEY of the read-only service account."
  value       = google_storage_hmac_key.readonly.secret
  sensitive   = true
}
