{
  "targets": [
    {
      "target_name": "fs_batch",
      "sources": ["fs-batch.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
