"""The write path: source readers, validation, entity resolution, batched loading."""
