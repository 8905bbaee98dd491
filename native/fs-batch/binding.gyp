{
  "targets": [
    {
      "target_name": "fs_batch",
      "sources": ["fs-batch.c", "read-file.c", "unlink-files.c", "write-file.c", "write-files.c", "commit-file.c", "create-file.c", "md5-hash.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
