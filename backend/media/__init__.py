"""Media in S3: server-made keys, presigned uploads, checks of what arrived, cached signed URLs."""
