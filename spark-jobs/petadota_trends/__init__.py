"""PetAdota's Spark Structured Streaming jobs."""
