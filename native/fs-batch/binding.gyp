{
  "targets": [
    {
      "target_name": "fs_batch",
      "sources": ["fs-batch.c", "read-file.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
