"""Ingestion: read and validate outside data, then write it to the store in batches."""
